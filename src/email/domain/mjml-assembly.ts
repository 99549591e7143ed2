import type { TemplateEngine } from './helpers.js';
import { PARTIAL_SCOPE_HELPER } from './helpers.js';
import { checkTemplateSyntax, parseHandlebars, partialName, type SyntaxRules } from './handlebars-syntax.js';
import { MappedSource, type SourceEdit } from './mapped-source.js';
import { TemplateError } from './template-error.js';
import { isWholeDocument } from './template-limits.js';

export interface AssemblyInput {
  /** The email's MJML: sections for the layout's body slot, or a whole `<mjml>` document (then no layout). */
  body: MappedSource;
  /** The body's syntax tree (already parsed and checked by the caller). */
  bodyProgram: hbs.AST.Program;
  layout?: string;
  partials: Record<string, string>;
  helpers: ReadonlySet<string>;
}

/** The slot in the layout where the email's sections go. */
export const BODY_SLOT = /\{\{\{\s*body\s*\}\}\}/g;
const MAX_PARTIAL_DEPTH = 4;
const MINIMAL_LAYOUT = '<mjml>\n<mj-body>\n{{{body}}}\n</mj-body>\n</mjml>\n';
const PARTIAL_ARGS = /^\{\{~?>\s*(?:"[^"]*"|'[^']*'|[^\s}~]+)([\s\S]*?)~?\}\}$/;

/**
 * Builds the one MJML document that MJML compiles: partials inlined (each in a scope block that carries its
 * arguments, as `{{> name key=value}}` would), the body placed in the layout's `{{{body}}}` slot, and every
 * Handlebars block tag that sits between MJML elements wrapped in `<mj-raw>` so MJML keeps it.
 * Every line still maps back to the field it came from. Throws a TemplateError for bad partials or layout.
 */
export function assembleMjml(hb: TemplateEngine, input: AssemblyInput): MappedSource {
  const expander = new PartialExpander(hb, input.partials, input.helpers);
  const body = expander.expand(input.body, input.bodyProgram, 0);
  if (isWholeDocument(body.text)) return wrapStructuralBlocks(body);
  return wrapStructuralBlocks(placeInLayout(hb, input.layout ?? MINIMAL_LAYOUT, body, input.helpers));
}

function placeInLayout(hb: TemplateEngine, layout: string, body: MappedSource, helpers: ReadonlySet<string>): MappedSource {
  const slots = [...layout.matchAll(BODY_SLOT)];
  if (slots.length !== 1) {
    throw TemplateError.at('layout', null, `the layout must contain the body slot {{{body}}} exactly once (found ${slots.length})`);
  }
  const program = parseHandlebars(hb, layout.replace(BODY_SLOT, ''), 'layout');
  const problems = checkTemplateSyntax(program, 'layout', { helpers, partials: new Set() });
  if (problems.length > 0) throw new TemplateError(problems);
  const slot = slots[0];
  return MappedSource.of(layout, 'layout').splice([{ start: slot.index, end: slot.index + slot[0].length, insert: body }]);
}

/** Replaces `{{> name args}}` with the partial's MJML inside `{{#__partial args}}…{{/__partial}}`, recursively. */
class PartialExpander {
  private readonly programs = new Map<string, hbs.AST.Program>();
  private readonly rules: SyntaxRules;

  constructor(
    private readonly hb: TemplateEngine,
    private readonly partials: Record<string, string>,
    helpers: ReadonlySet<string>,
  ) {
    this.rules = { helpers, partials: new Set(Object.keys(partials)) };
  }

  expand(source: MappedSource, program: hbs.AST.Program, depth: number): MappedSource {
    const lineStarts = lineStartOffsets(source.text);
    const edits: SourceEdit[] = partialStatements(program.body).map((node) => {
      const start = offsetOf(lineStarts, node.loc.start);
      const end = offsetOf(lineStarts, node.loc.end);
      const origin = source.originAt(start);
      if (depth >= MAX_PARTIAL_DEPTH) {
        throw TemplateError.at(origin.field, origin.line, `partials include each other more than ${MAX_PARTIAL_DEPTH} levels deep`);
      }
      const name = partialName(node.name) ?? '';
      const field = `partials.${name}`;
      const partial = this.expand(MappedSource.of(this.partials[name], field), this.parse(name, field), depth + 1);
      const args = PARTIAL_ARGS.exec(source.text.slice(start, end))?.[1].trimEnd() ?? '';
      const insert = MappedSource.concat(
        MappedSource.generated(`{{#${PARTIAL_SCOPE_HELPER}${args}}}\n`, origin),
        partial,
        MappedSource.generated(`\n{{/${PARTIAL_SCOPE_HELPER}}}`, origin),
      );
      return { start, end, insert };
    });
    return edits.length > 0 ? source.splice(edits) : source;
  }

  private parse(name: string, field: string): hbs.AST.Program {
    let program = this.programs.get(name);
    if (!program) {
      program = parseHandlebars(this.hb, this.partials[name], field);
      const problems = checkTemplateSyntax(program, field, this.rules);
      if (problems.length > 0) throw new TemplateError(problems);
      this.programs.set(name, program);
    }
    return program;
  }
}

function partialStatements(body: hbs.AST.Statement[]): hbs.AST.PartialStatement[] {
  const out: hbs.AST.PartialStatement[] = [];
  for (const node of body) {
    if (node.type === 'PartialStatement') out.push(node as hbs.AST.PartialStatement);
    if (node.type === 'BlockStatement') {
      const block = node as hbs.AST.BlockStatement;
      out.push(...partialStatements(block.program?.body ?? []), ...partialStatements(block.inverse?.body ?? []));
    }
  }
  return out;
}

// MJML elements whose content is HTML (not MJML); Handlebars there is kept as text.
export const CONTENT_ELEMENTS: ReadonlySet<string> = new Set([
  'mj-text', 'mj-button', 'mj-raw', 'mj-table', 'mj-navbar-link', 'mj-accordion-title', 'mj-accordion-text',
  'mj-social-element', 'mj-carousel-image', 'mj-title', 'mj-preview', 'mj-style', 'mj-breakpoint',
]);
const SCANNER =
  /(<!--[\s\S]*?-->)|<(\/?)(mjml|mj-[\w-]+)\b(?:"[^"]*"|'[^']*'|[^'">])*?(\/?)>|(\{\{!--[\s\S]*?--\}\}|\{\{[\s\S]*?\}\}\}?)/g;
const BLOCK_TAG = /^\{\{~?\s*(?:[#/^!]|else\b)/;

/**
 * MJML drops text between elements, so `{{#ifStage "lead"}}` between two sections would vanish.
 * Wraps each such block tag (open, else, close, comment) in `<mj-raw>`, which MJML keeps as is.
 */
export function wrapStructuralBlocks(source: MappedSource): MappedSource {
  const stack: string[] = [];
  const edits: SourceEdit[] = [];
  for (const match of source.text.matchAll(SCANNER)) {
    const [whole, comment, closing, tag, selfClosing, mustache] = match;
    const inContent = stack.length > 0 && CONTENT_ELEMENTS.has(stack[stack.length - 1]);
    if (comment) continue;
    if (tag) {
      const name = tag.toLowerCase();
      if (inContent && !(closing && name === stack[stack.length - 1])) continue;
      if (closing) {
        const at = stack.lastIndexOf(name);
        if (at !== -1) stack.length = at;
      } else if (!selfClosing) {
        stack.push(name);
      }
    } else if (mustache && !inContent && stack.length > 1 && BLOCK_TAG.test(mustache)) {
      const origin = source.originAt(match.index);
      edits.push({
        start: match.index,
        end: match.index + whole.length,
        insert: MappedSource.generated(`<mj-raw>${mustache}</mj-raw>`, origin),
      });
    }
  }
  return edits.length > 0 ? source.splice(edits) : source;
}

function lineStartOffsets(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function offsetOf(lineStarts: number[], position: hbs.AST.Position): number {
  return lineStarts[position.line - 1] + position.column;
}
