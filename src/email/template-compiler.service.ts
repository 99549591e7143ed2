import { Injectable } from '@nestjs/common';
import type { VariantToCompile } from './domain/compile-variants.js';
import type { CompiledTemplate, TemplateVariant } from './domain/template-compiler.js';
import { TemplateError, type TemplateProblem } from './domain/template-error.js';
import { expansionProblem, nestingProblem, sizeProblem, type ExpansionContext } from './domain/template-limits.js';
import { layoutFor, loadTemplateLibrary, type TemplateLibrary } from './domain/template-loader.js';
import { TemplateCompilePool } from './template-compile-pool.js';

/**
 * Compiles template versions once, when they are saved: MJML with the shared layout (its footer in the variant's
 * language, else English marked lang="en": see layoutFor) and partials from `templates/`, Handlebars checked, variables checked
 * against what a send provides, and the footer's unsubscribe link and postal address checked (footerProblems).
 * The library is read from disk once per process. All of a save's compiling runs in a compile thread
 * (TemplateCompilePool, one message per save), so a save holds the event loop that answers pixels and redirects
 * only for its bookkeeping: the size, nesting and expansion limits, choosing layouts, and sorting out the answer.
 */
@Injectable()
export class TemplateCompilerService {
  private library?: Promise<TemplateLibrary>;

  constructor(private readonly pool: TemplateCompilePool) {}

  /**
   * Compiles every variant of a save, refusing variables a send cannot fill; throws one TemplateError listing
   * every problem (field and line) of every variant.
   */
  compileVariants(variants: Record<string, TemplateVariant>): Promise<Record<string, CompiledTemplate>> {
    return this.compile(variants, true);
  }

  /** Compiles one variant (e.g. of a version stored without its compiled form) with the layout of its language. */
  async compileVariant(locale: string, variant: TemplateVariant): Promise<CompiledTemplate> {
    return (await this.compile({ [locale]: variant }, false))[locale];
  }

  private async compile(variants: Record<string, TemplateVariant>, save: boolean): Promise<Record<string, CompiledTemplate>> {
    const library = await this.loadLibrary();
    const problems = new Map<string, TemplateProblem[]>();
    const toCompile: VariantToCompile[] = [];
    for (const [locale, variant] of Object.entries(variants)) {
      const layout = layoutFor(library, locale);
      const limits = limitProblems(variant, `variants.${locale}`, { layout, partials: library.partials });
      if (limits.length > 0) problems.set(locale, limits); // before anything parses it: that is what the limits keep cheap
      else toCompile.push({ locale, subject: variant.subject, mjml: variant.mjml, layout });
    }
    const compiled: Record<string, CompiledTemplate> = {};
    if (toCompile.length > 0) {
      for (const outcome of await this.pool.run({ variants: toCompile, partials: library.partials, save })) {
        if ('compiled' in outcome) compiled[outcome.locale] = outcome.compiled;
        else problems.set(outcome.locale, outcome.problems);
      }
    }
    if (problems.size > 0) throw new TemplateError(Object.keys(variants).flatMap((locale) => problems.get(locale) ?? []));
    return compiled;
  }

  private loadLibrary(): Promise<TemplateLibrary> {
    this.library ??= loadTemplateLibrary().catch((err) => {
      this.library = undefined;
      throw err;
    });
    return this.library;
  }
}

/**
 * The variant's size, nesting and expansion limits (see template-limits.ts), checked without parsing: a template
 * that would only outgrow its compile thread's heap or timeout, on every retry, is the author's problem (422).
 */
function limitProblems(variant: TemplateVariant, prefix: string, context: ExpansionContext): TemplateProblem[] {
  const size = sizeProblem(variant.mjml, `${prefix}.mjml`);
  if (size) return [size];
  return [
    nestingProblem(variant.subject, `${prefix}.subject`),
    nestingProblem(variant.mjml, `${prefix}.mjml`),
    expansionProblem(variant.mjml, `${prefix}.mjml`, context),
  ].filter((p) => p !== null);
}
