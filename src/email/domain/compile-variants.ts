import { compactHtml } from './compact-html.js';
import { footerProblems } from './footer-check.js';
import { compileTemplate, unknownVariables, type CompiledTemplate } from './template-compiler.js';
import { TemplateError, type TemplateProblem } from './template-error.js';
import { isWholeDocument } from './template-limits.js';

/** One variant of a save, with the layout of its language (see TemplateCompilerService). */
export interface VariantToCompile {
  locale: string;
  subject: string;
  mjml: string;
  layout?: string;
}

/** Everything one save needs compiled: plain, serializable data, sent to a compile thread in one message. */
export interface CompileRequest {
  variants: VariantToCompile[];
  partials: Record<string, string>;
  /**
   * A save: refuse variables a send cannot fill and an email without the footer's unsubscribe link and postal
   * address (see footerProblems); a stored version compiled on first use is taken as it is.
   */
  save: boolean;
}

/** Per variant, in the request's order: its compiled form, or every problem (field and line) it has. */
export type VariantOutcome = { locale: string; compiled: CompiledTemplate } | { locale: string; problems: TemplateProblem[] };

/**
 * The CPU-heavy part of a save, for every variant: Handlebars checks (syntax, unknown variables), MJML, the
 * plain-text part and the trial render, then MJML's indentation dropped (see compactHtml) and, for a save, the
 * footer checked on trial renders (footerProblems). Runs in a compile
 * thread (template-compile-thread.mjs), so none of it holds the API's event loop. Only a TemplateError is the
 * author's problem; anything else thrown is a fault and rejects.
 */
export async function compileVariants(request: CompileRequest): Promise<VariantOutcome[]> {
  const outcomes: VariantOutcome[] = [];
  for (const { locale, subject, mjml, layout } of request.variants) {
    const prefix = `variants.${locale}`;
    const problems = request.save ? [...unknownVariablesIn(subject, `${prefix}.subject`), ...unknownVariablesIn(mjml, `${prefix}.mjml`)] : [];
    try {
      const compiled = await compileTemplate({ subject, mjml }, { layout, partials: request.partials, fieldPrefix: prefix });
      const stored = { ...compiled, html: compactHtml(compiled.html) };
      if (request.save) problems.push(...footerProblems(stored, `${prefix}.mjml`, { locale, wholeDocument: isWholeDocument(mjml) }));
      outcomes.push(problems.length > 0 ? { locale, problems } : { locale, compiled: stored });
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      outcomes.push({ locale, problems: [...problems, ...err.problems] });
    }
  }
  return outcomes;
}

function unknownVariablesIn(source: string, field: string): TemplateProblem[] {
  try {
    return unknownVariables(source).map((u) => ({
      field,
      line: u.line,
      message: `unknown variable "${u.name}": use a lead field (firstName, company, …), attributes.*, qualification.*, source.*, sender.* or unsubscribeUrl`,
    }));
  } catch (err) {
    if (err instanceof TemplateError) return []; // a syntax error: compiling reports it with its line
    throw err;
  }
}
