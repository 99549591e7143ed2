import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { compactHtml } from './domain/compact-html.js';
import { compileTemplate, unknownVariables, type CompiledTemplate, type TemplateVariant } from './domain/template-compiler.js';
import { TemplateError, type TemplateProblem } from './domain/template-error.js';
import { nestingProblem, sizeProblem } from './domain/template-limits.js';
import { loadTemplateLibrary, type TemplateLibrary } from './domain/template-loader.js';
import { MjmlWorkerPool } from './mjml-worker-pool.js';

/**
 * Compiles template versions once, when they are saved: MJML with the shared layout (in the variant's
 * language) and partials from `templates/`, Handlebars checked, variables checked against what a send
 * provides. The library is read from disk once per process. MJML, the step that takes long, runs in worker
 * threads (MjmlWorkerPool), so a save does not hold the event loop that answers pixels and redirects.
 */
@Injectable()
export class TemplateCompilerService {
  private library?: Promise<TemplateLibrary>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly mjml: MjmlWorkerPool,
  ) {}

  /** Compiles every variant; throws one TemplateError listing every problem (field and line) of every variant. */
  async compileVariants(variants: Record<string, TemplateVariant>): Promise<Record<string, CompiledTemplate>> {
    const problems: TemplateProblem[] = [];
    const compiled: Record<string, CompiledTemplate> = {};
    let compiledOne = false;
    for (const [locale, variant] of Object.entries(variants)) {
      const prefix = `variants.${locale}`;
      const limits = limitProblems(variant, prefix);
      if (limits.length > 0) {
        problems.push(...limits); // before anything parses it: that is what the limits keep cheap
        continue;
      }
      if (compiledOne) await yieldToEventLoop(); // let requests waiting on this process through between variants
      compiledOne = true;
      problems.push(...this.unknownVariablesIn(variant.subject, `${prefix}.subject`), ...this.unknownVariablesIn(variant.mjml, `${prefix}.mjml`));
      try {
        compiled[locale] = await this.compileVariant(locale, variant, prefix);
      } catch (err) {
        if (!(err instanceof TemplateError)) throw err;
        problems.push(...err.problems);
      }
    }
    if (problems.length) throw new TemplateError(problems);
    return compiled;
  }

  /** Compiles one variant with the layout of its language, and drops MJML's indentation (see compactHtml). */
  async compileVariant(locale: string, variant: TemplateVariant, fieldPrefix = `variants.${locale}`): Promise<CompiledTemplate> {
    const library = await this.loadLibrary();
    const compiled = await compileTemplate(variant, {
      layout: this.layoutFor(library, locale),
      partials: library.partials,
      fieldPrefix,
      runMjml: (mjml, options) => this.mjml.run(mjml, options),
    });
    return { ...compiled, html: compactHtml(compiled.html) };
  }

  private unknownVariablesIn(source: string, field: string): TemplateProblem[] {
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

  /** The layout in the variant's language, else in the default locale's, else English. */
  private layoutFor(library: TemplateLibrary, locale: string): string | undefined {
    const language = locale.toLowerCase().split(/[-_]/)[0];
    const defaultLanguage = this.config.defaultLocale.split('-')[0];
    return library.layouts[locale] ?? library.layouts[language] ?? library.layouts[defaultLanguage] ?? library.layouts.en;
  }

  private loadLibrary(): Promise<TemplateLibrary> {
    this.library ??= loadTemplateLibrary().catch((err) => {
      this.library = undefined;
      throw err;
    });
    return this.library;
  }
}

/** The variant's size and nesting limits (see template-limits.ts), checked without parsing. */
function limitProblems(variant: TemplateVariant, prefix: string): TemplateProblem[] {
  const size = sizeProblem(variant.mjml, `${prefix}.mjml`);
  if (size) return [size];
  return [nestingProblem(variant.subject, `${prefix}.subject`), nestingProblem(variant.mjml, `${prefix}.mjml`)].filter((p) => p !== null);
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
