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

/**
 * The most MJML one variant may grow to once its partials (`{{> proof}}`, recursively) and the layout are inlined,
 * in characters: what MJML then compiles. The starters expand to under 5,000 (1,400 of that is the layout), the
 * benchmarks' ten-section email (48 KB of HTML) to about 16,000, and a variant at {@link MAX_MJML_CHARS} without
 * partials to about 51,500; 100,000 characters of partials compiled in 0.5–0.7 s on a busy 2-core machine. Without
 * this limit 50,000 characters of `{{>proof}}` lines inline 4,500 partials: 1.8 million characters, 9.6 MB of HTML
 * and about 33 s of compiling, refused anyway by the compile thread's heap limit or timeout, on every retry.
 */
export const MAX_EXPANDED_MJML_CHARS = 100_000;

/** `{{> name …}}` (also `{{~> "name"}}`): the partial's static name in group 1, 2 or 3. */
const PARTIAL_TAG = /^\{\{~?>\s*(?:"([^"]*)"|'([^']*)'|([^\s}~()]+))/;
/** A body that is a whole `<mjml>` document does not go into the layout (see assembleMjml). */
const WHOLE_DOCUMENT = /^\s*(<\?xml[^>]*>\s*)?<mjml[\s>]/;
const BODY_SLOT = /\{\{\{\s*body\s*\}\}\}/;

/** Whether a variant's MJML is a whole `<mjml>` document, which assembleMjml compiles without the layout. */
export function isWholeDocument(mjml: string): boolean {
  return WHOLE_DOCUMENT.test(mjml);
}

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

/** What a variant is compiled with: the layout of its language and the partials from `templates/`. */
export interface ExpansionContext {
  layout?: string;
  partials: Record<string, string>;
}

/**
 * A cheap scan of a variant's `{{> …}}` tags, before anything parses or compiles it: null when the variant, with
 * its partials (recursively) and the layout inlined, stays within {@link MAX_EXPANDED_MJML_CHARS} characters; else
 * the line where it crosses the limit. Each `{{> name …}}` counts as its own characters (its arguments go into the
 * scope block around the inlined partial) plus the partial's, a little under what assembleMjml builds (it also
 * wraps block tags in `<mj-raw>`). Unknown partials count as their tag, tags in comments as text: the parser and
 * the assembly report those.
 */
export function expansionProblem(mjml: string, field: string, context: ExpansionContext): TemplateProblem | null {
  const { total, included, crossing, partialLength } = scanExpansion(mjml, context);
  if (!crossing) return null;
  const at = crossing.partial ? `here, at {{> ${crossing.partial}}}` : 'here';
  const advice = crossing.partial
    ? `include fewer partials (each {{> ${crossing.partial}}} adds about ${formatCount(partialLength[crossing.partial])} characters) or spread the content over several emails`
    : 'shorten it or spread the content over several emails';
  return {
    field,
    line: crossing.line,
    message:
      `with its partials${context.layout !== undefined && !WHOLE_DOCUMENT.test(mjml) ? ' and the layout' : ''} inlined this MJML grows past the limit of ` +
      `${formatCount(MAX_EXPANDED_MJML_CHARS)} characters ${at} (${formatCount(total)} in all, from ${formatCount(included)} partial${included === 1 ? '' : 's'}); ` +
      `${advice}: a ten-section email expands to about 16,000`,
  };
}

/** How many characters of MJML a variant grows to with its partials and the layout inlined, as {@link expansionProblem} counts them. */
export function expandedLength(mjml: string, context: ExpansionContext): number {
  return scanExpansion(mjml, context).total;
}

interface Expansion {
  total: number;
  /** How many `{{> …}}` tags the variant has (not counting those inside partials). */
  included: number;
  /** Where the count first passes {@link MAX_EXPANDED_MJML_CHARS}: the line, and the partial included there if any. */
  crossing: { line: number; partial?: string } | null;
  partialLength: Record<string, number>;
}

function scanExpansion(mjml: string, context: ExpansionContext): Expansion {
  const partialLength = expandedPartialLengths(context.partials);
  const base = WHOLE_DOCUMENT.test(mjml) || context.layout === undefined ? 0 : context.layout.replace(BODY_SLOT, '').length;
  let grown = 0; // characters the partials so far added
  let included = 0;
  let crossing: { offset: number; partial?: string } | null = null;
  for (const match of mjml.matchAll(MUSTACHE)) {
    if (!crossing && base + match.index + grown > MAX_EXPANDED_MJML_CHARS) crossing = { offset: MAX_EXPANDED_MJML_CHARS - base - grown };
    const name = partialTagName(match[0]);
    if (name === null || !Object.hasOwn(partialLength, name)) continue;
    grown += partialLength[name];
    included++;
    if (!crossing && base + match.index + match[0].length + grown > MAX_EXPANDED_MJML_CHARS) crossing = { offset: match.index, partial: name };
  }
  const total = base + mjml.length + grown;
  if (total <= MAX_EXPANDED_MJML_CHARS) return { total, included, crossing: null, partialLength };
  crossing ??= { offset: MAX_EXPANDED_MJML_CHARS - base - grown }; // in the text after the last partial
  const line = lineOf(mjml, Math.min(Math.max(crossing.offset, 0), mjml.length));
  return { total, included, crossing: { line, partial: crossing.partial }, partialLength };
}

/** Each partial's length with the partials it includes inlined, recursively; a partial that includes itself counts once. */
function expandedPartialLengths(partials: Record<string, string>): Record<string, number> {
  const lengths: Record<string, number> = {};
  const measuring = new Set<string>();
  const measure = (name: string): number => {
    if (Object.hasOwn(lengths, name)) return lengths[name];
    const source = partials[name];
    if (measuring.has(name)) return source.length; // the assembly refuses the loop; count it once here
    measuring.add(name);
    let length = source.length;
    for (const [tag] of source.matchAll(MUSTACHE)) {
      const included = partialTagName(tag);
      if (included !== null && Object.hasOwn(partials, included)) length += measure(included);
    }
    measuring.delete(name);
    return (lengths[name] = length);
  };
  for (const name of Object.keys(partials)) measure(name);
  return lengths;
}

function partialTagName(tag: string): string | null {
  const match = PARTIAL_TAG.exec(tag);
  return match ? (match[1] ?? match[2] ?? match[3]) : null;
}

function lineOf(source: string, offset: number): number {
  let line = 1;
  for (let i = source.indexOf('\n'); i !== -1 && i < offset; i = source.indexOf('\n', i + 1)) line++;
  return line;
}

function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
