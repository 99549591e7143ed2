import { checkTemplateSyntax, handlebarsProblem, MUSTACHE, parseHandlebars } from './handlebars-syntax.js';
import { BUILTIN_HELPERS, PARTIAL_SCOPE_HELPER, TEMPLATE_HELPERS, createTemplateEngine } from './helpers.js';
import { MappedSource } from './mapped-source.js';
import { renderEmail } from './renderer.js';
import { assembleMjml } from './mjml-assembly.js';
import { mjmlStructureProblems, rawMjmlInHtml } from './mjml-structure.js';
import { TemplateError, type TemplateProblem } from './template-error.js';
import { expansionProblem, nestingProblem, sizeProblem } from './template-limits.js';
import { textTemplateFromHtml } from './text-template.js';

export { referencedVariables, unknownVariables, KNOWN_VARIABLES } from './template-variables.js';

/** One language variant of a template, as the marketer wrote it. */
export interface TemplateVariant {
  subject: string;
  /** MJML sections for the layout's body slot, or a whole `<mjml>` document. */
  mjml: string;
}

export interface CompileOptions {
  /** The shared layout (with `{{{body}}}`); see `templates/layout.mjml`. */
  layout?: string;
  /** Partials by name, usable as `{{> name key=value}}`. */
  partials: Record<string, string>;
  /** Prefix for error fields, e.g. `variants.nl` gives `variants.nl.mjml` and `variants.nl.subject`. */
  fieldPrefix?: string;
}

/** The options MJML is always run with. */
const MJML_OPTIONS = { validationLevel: 'strict', keepComments: false, fonts: {}, ignoreIncludes: true } as const;
type MjmlOptions = typeof MJML_OPTIONS;

/** One problem MJML's validation names, with the line in the assembled document. */
interface MjmlProblem {
  line?: number;
  message?: string;
}

/** MJML's HTML, or why it refused the document (with the validation problems, when it names any). */
type MjmlOutcome = { html: string } | { failure: { message: string; errors: MjmlProblem[] | null } };

/**
 * A template version after MJML: plain, serializable strings, stored with the version.
 * `html` and `subject` are Handlebars source; `text` is the plain-text part as Handlebars source
 * (null when it could not be derived, then the text is made from the rendered HTML per send).
 */
export interface CompiledTemplate {
  format: 1;
  subject: string;
  html: string;
  text: string | null;
}

const engine = createTemplateEngine();
const HELPERS: ReadonlySet<string> = new Set([...TEMPLATE_HELPERS, ...BUILTIN_HELPERS, PARTIAL_SCOPE_HELPER]);

/**
 * Compiles a template variant once per version: checks the Handlebars of subject and body, inlines partials,
 * wraps the body in the layout, validates the MJML strictly and compiles it to HTML, then checks that every
 * Handlebars expression survived MJML and derives the text part. Throws a {@link TemplateError} naming the
 * field and line of each problem.
 */
export async function compileTemplate(variant: TemplateVariant, opts: CompileOptions): Promise<CompiledTemplate> {
  const field = (name: string) => (opts.fieldPrefix ? `${opts.fieldPrefix}.${name}` : name);
  const rules = { helpers: HELPERS, partials: new Set(Object.keys(opts.partials)) };
  const problems: TemplateProblem[] = [];
  // Cheap limits first: what no real template needs must not cost seconds of compiling (see template-limits.ts).
  const tooMuch = sizeProblem(variant.mjml, field('mjml'));
  if (tooMuch) throw new TemplateError([tooMuch]);
  const tooDeep = [
    nestingProblem(variant.subject, field('subject')),
    nestingProblem(variant.mjml, field('mjml')),
    expansionProblem(variant.mjml, field('mjml'), { layout: opts.layout, partials: opts.partials }),
  ].filter((p) => p !== null);
  if (tooDeep.length > 0) throw new TemplateError(tooDeep);
  const check = (source: string, name: string) => {
    try {
      const program = parseHandlebars(engine, source, field(name));
      problems.push(...checkTemplateSyntax(program, field(name), rules));
      return program;
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      problems.push(...err.problems);
      return null;
    }
  };
  check(variant.subject, 'subject');
  const bodyProgram = check(variant.mjml, 'mjml');
  if (problems.length > 0 || !bodyProgram) throw new TemplateError(problems);

  const source = assembleMjml(engine, {
    body: MappedSource.of(variant.mjml, field('mjml')),
    bodyProgram,
    layout: opts.layout,
    partials: opts.partials,
    helpers: HELPERS,
  });
  await breather();
  const html = await compileMjml(source, field('mjml'));
  await breather();
  const structure = mjmlStructureProblems(source); // what MJML's parser silently repaired, and so lost
  if (structure.length > 0) throw new TemplateError(structure);
  const leftOver = rawMjmlInHtml(html);
  if (leftOver) throw TemplateError.at(field('mjml'), null, `invalid MJML: ${leftOver}> would reach the email as raw markup; MJML elements go between sections, not inside <mj-text>`);
  assertExpressionsSurvived(source, html);
  try {
    engine.parse(html);
  } catch (err) {
    throw new TemplateError([{ ...handlebarsProblem(err, field('mjml')), line: null }]);
  }
  await breather();
  const text = deriveTextTemplate(html);
  await breather();
  const compiled: CompiledTemplate = { format: 1, subject: variant.subject, html, text };
  assertRenders(compiled, field('mjml'));
  return compiled;
}

/**
 * The API compiles in a thread of its own (TemplateCompilePool), where nothing else waits; called on a loop
 * that has other work (a script, a benchmark), compiling lets what arrived meanwhile through between its steps,
 * holding the loop for one step at a time, not the whole compile.
 */
function breather(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A trial render with no data catches what only fails at run time (e.g. `{{#each}}` without a list). */
function assertRenders(compiled: CompiledTemplate, field: string): void {
  try {
    renderEmail(compiled, {}, { rewriteLink: (url) => url, openPixelUrl: '' });
  } catch (err) {
    throw TemplateError.at(field, null, `the template fails when rendered without data: ${(err as Error).message}`);
  }
}

/**
 * MJML is loaded on the first compile in this thread, not with this module: workers only render stored versions,
 * and MJML with its dependencies holds about 55 MB of memory in every thread that loads it (processes compile in
 * threads of their own, see TemplateCompilePool, and their main thread does not load it at all).
 */
type Mjml2Html = typeof import('mjml');
let mjmlModule: Promise<Mjml2Html> | undefined;
function loadMjml(): Promise<Mjml2Html> {
  const loading = (mjmlModule ??= import('mjml').then(
    (m) => m.default,
    (err: unknown) => {
      mjmlModule = undefined;
      throw err;
    },
  ));
  return loading;
}

/** Runs MJML in this thread: a refusal by MJML is an outcome ({ failure }), reported to the author. */
async function runMjml(mjml: string, options: MjmlOptions): Promise<MjmlOutcome> {
  const mjml2html = await loadMjml();
  try {
    return { html: (await mjml2html(mjml, options)).html };
  } catch (err) {
    const failure = (err ?? {}) as { message?: unknown; errors?: unknown };
    return {
      failure: {
        message: typeof failure.message === 'string' ? failure.message : String(err),
        errors: Array.isArray(failure.errors) ? failure.errors.map((e: MjmlProblem | undefined) => ({ line: e?.line, message: e?.message })) : null,
      },
    };
  }
}

async function compileMjml(source: MappedSource, bodyField: string): Promise<string> {
  const outcome = await runMjml(source.text, MJML_OPTIONS);
  if ('html' in outcome) return outcome.html;
  const { message, errors } = outcome.failure;
  if (!errors || errors.length === 0) throw TemplateError.at(bodyField, null, `invalid MJML: ${message}`);
  const problems = errors.map((e) => {
    const origin = source.originOfLine(e.line ?? 1);
    return { field: origin.field, line: origin.line, message: `invalid MJML: ${e.message ?? 'unknown problem'}` };
  });
  throw new TemplateError(problems.sort((a, b) => (a.field === b.field ? a.line - b.line : 0)));
}

/** MJML silently drops text between elements; a dropped `{{firstName}}` must not pass unnoticed. */
function assertExpressionsSurvived(source: MappedSource, html: string): void {
  const remaining = new Map<string, number>();
  for (const [expression] of html.matchAll(MUSTACHE)) remaining.set(expression, (remaining.get(expression) ?? 0) + 1);
  const problems: TemplateProblem[] = [];
  for (const match of source.text.matchAll(MUSTACHE)) {
    const left = remaining.get(match[0]) ?? 0;
    if (left > 0) {
      remaining.set(match[0], left - 1);
      continue;
    }
    const origin = source.originAt(match.index);
    problems.push({
      field: origin.field,
      line: origin.line,
      message: `${match[0]} is not inside an MJML content element and would be lost; put it in <mj-text>, <mj-button> or <mj-raw>`,
    });
  }
  if (problems.length > 0) throw new TemplateError(problems);
}

function deriveTextTemplate(html: string): string | null {
  const text = textTemplateFromHtml(html);
  try {
    engine.parse(text);
    return text;
  } catch {
    return null; // e.g. a block opened in an attribute and closed in text; the text is then made per send
  }
}
