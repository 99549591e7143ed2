import { MUSTACHE } from './handlebars-syntax.js';
import type { TemplateProblem } from './template-error.js';

/**
 * The most MJML one variant may hold, in characters. A real nurture email is a few KB of MJML (the starters
 * are 2–3 KB and render to about 48 KB of HTML with the layout); compiling grows with size (0.6–1.5 s for
 * 50,000 characters of dense sections, in a compile thread, see TemplateCompilePool), and it happens while the
 * marketer waits.
 */
export const MAX_MJML_CHARS = 50_000;

/** How deep `{{#…}}` blocks may nest inside each other; the starters use 2 (a partial's `{{#if}}` inside a stage block). */
export const MAX_BLOCK_DEPTH = 16;

/**
 * How deep Handlebars nests a template's blocks, counting each `{{else if …}}` as a level (Handlebars nests
 * every chained branch in the previous one). Compiling is recursive: thousands of levels take seconds and then
 * overflow the stack.
 */
export const MAX_NESTING = 64;

const OPEN = /^\{\{~?\s*[#^](?!\s*~?\}\})/;
const CLOSE = /^\{\{~?\s*\//;
const CHAINED_ELSE = /^\{\{~?\s*(?:else|\^)\s+[^\s~}]/;

/**
 * A cheap scan of the `{{…}}` tags of a source, before anything parses or compiles it: the first place where
 * blocks nest deeper than {@link MAX_BLOCK_DEPTH} (or {@link MAX_NESTING} with chained `{{else …}}`), or null.
 * Unbalanced tags are left to the parser, which names them.
 */
export function nestingProblem(source: string, field: string): TemplateProblem | null {
  const chains: number[] = []; // per open block: how many `{{else …}}` branches it chains so far
  let chained = 0;
  let line = 1;
  let lineCountedTo = 0;
  const lineAt = (offset: number) => {
    for (let i = source.indexOf('\n', lineCountedTo); i !== -1 && i < offset; i = source.indexOf('\n', i + 1)) line++;
    lineCountedTo = offset;
    return line;
  };
  for (const match of source.matchAll(MUSTACHE)) {
    const tag = match[0];
    if (tag.startsWith('{{!')) continue;
    if (OPEN.test(tag)) {
      chains.push(0);
      if (chains.length > MAX_BLOCK_DEPTH) {
        return { field, line: lineAt(match.index), message: `blocks are nested more than ${MAX_BLOCK_DEPTH} deep; simplify the conditions` };
      }
    } else if (CLOSE.test(tag)) {
      chained -= chains.pop() ?? 0;
    } else if (CHAINED_ELSE.test(tag) && chains.length > 0) {
      chains[chains.length - 1]++;
      chained++;
    } else {
      continue;
    }
    if (chains.length + chained > MAX_NESTING) {
      return {
        field,
        line: lineAt(match.index),
        message: `blocks nest more than ${MAX_NESTING} levels deep (each {{else if …}} adds one); use fewer branches, e.g. {{#ifIn}} with several values`,
      };
    }
  }
  return null;
}

/** A problem when a variant's MJML is longer than {@link MAX_MJML_CHARS}, else null. */
export function sizeProblem(mjml: string, field: string): TemplateProblem | null {
  if (mjml.length <= MAX_MJML_CHARS) return null;
  return { field, line: null, message: `is ${mjml.length} characters of MJML; a variant may have at most ${MAX_MJML_CHARS}` };
}
