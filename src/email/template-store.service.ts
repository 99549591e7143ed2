import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError } from '../common/domain-error.js';
import { FooterVerdicts, footerMissingError } from './domain/footer-check.js';
import { RenderCache, type PreparedTemplate } from './domain/render-cache.js';
import type { CompiledTemplate, TemplateVariant } from './domain/template-compiler.js';
import { TemplateError, type TemplateProblem } from './domain/template-error.js';
import { TemplateCompilerService } from './template-compiler.service.js';

/** One immutable template version as sends use it. */
export interface TemplateVersionRecord {
  templateId: string;
  version: number;
  defaultLocale: string;
  locales: string[];
  variants: Record<string, TemplateVariant>;
  compiled: Record<string, CompiledTemplate>;
}

const MAX_VERSIONS = 500;

/**
 * Template versions for sending, read from PostgreSQL once per process (they never change) and turned into
 * Handlebars functions once per version and locale (the shared RenderCache). A version stored without its
 * compiled form (written by a script, say) is compiled on first use and the result saved. Beside each prepared
 * template sits the footer check's verdict on it (FooterVerdicts): versions saved before saves checked the footer
 * may lack it, and such a variant is never sent.
 */
@Injectable()
export class TemplateStore {
  private readonly logger = new Logger(TemplateStore.name);
  private readonly versions = new Map<string, Promise<TemplateVersionRecord>>();
  readonly renderCache = new RenderCache(MAX_VERSIONS * 3);
  private readonly footers = new FooterVerdicts();

  constructor(
    private readonly db: DataSource,
    private readonly compiler: TemplateCompilerService,
  ) {}

  /** A template's current version (previews and test sends); an archived template has none (404). Sends read theirs by number. */
  async current(templateId: string): Promise<TemplateVersionRecord> {
    const [row] = await this.db.query(`SELECT current_version FROM templates WHERE id = $1 AND archived_at IS NULL`, [templateId]);
    if (!row) throw DomainError.notFound('Template', templateId);
    return this.version(templateId, row.current_version);
  }

  version(templateId: string, version: number): Promise<TemplateVersionRecord> {
    const key = `${templateId}:${version}`;
    let record = this.versions.get(key);
    if (!record) {
      record = this.load(templateId, version);
      record.catch(() => this.versions.delete(key));
      this.versions.set(key, record);
      if (this.versions.size > MAX_VERSIONS) this.versions.delete(this.versions.keys().next().value as string);
    }
    return record;
  }

  /** The version's Handlebars functions for one locale, prepared once per process. */
  prepared(record: TemplateVersionRecord, locale: string): PreparedTemplate {
    const compiled = record.compiled[locale];
    if (!compiled) throw TemplateError.at(`variants.${locale}`, null, `version ${record.version} has no compiled ${locale} variant`);
    return this.renderCache.get(`${record.templateId}:${record.version}:${locale}`, compiled);
  }

  /**
   * The prepared template a send renders: a variant without the footer's unsubscribe link and postal address (see
   * footerProblems) throws a TemplateError with reason `template_without_footer`, so the message fails and nothing
   * is sent. Checked once per prepared template, then one lookup per send.
   */
  sendable(record: TemplateVersionRecord, locale: string): PreparedTemplate {
    const prepared = this.prepared(record, locale);
    const problems = this.footerVerdict(record, locale, prepared);
    if (problems.length > 0) throw footerMissingError(record.templateId, record.version, locale, problems);
    return prepared;
  }

  /** What the footer check finds in the version's variant for `locale` (previews show it); [] when the footer is whole. */
  footerProblems(record: TemplateVersionRecord, locale: string): readonly TemplateProblem[] {
    return this.footerVerdict(record, locale, this.prepared(record, locale));
  }

  private footerVerdict(record: TemplateVersionRecord, locale: string, prepared: PreparedTemplate): readonly TemplateProblem[] {
    return this.footers.of(prepared, locale, record.variants[locale]?.mjml ?? '');
  }

  private async load(templateId: string, version: number): Promise<TemplateVersionRecord> {
    const [row] = await this.db.query(
      `SELECT v.variants, v.compiled, coalesce(v.default_locale, t.default_locale) AS default_locale
       FROM template_versions v JOIN templates t ON t.id = v.template_id
       WHERE v.template_id = $1 AND v.version = $2`,
      [templateId, version],
    );
    if (!row) throw DomainError.notFound('Template version', `${templateId} v${version}`);
    const variants = (row.variants ?? {}) as Record<string, TemplateVariant>;
    const compiled = { ...((row.compiled ?? {}) as Record<string, CompiledTemplate>) };
    const missing = Object.keys(variants).filter((l) => compiled[l]?.format !== 1);
    for (const locale of missing) {
      try {
        compiled[locale] = await this.compiler.compileVariant(locale, variants[locale]);
      } catch (err) {
        if (!(err instanceof TemplateError)) throw err;
        this.logger.warn({ templateId, version, locale, problem: err.message }, 'stored template variant does not compile');
      }
    }
    const added = missing.filter((l) => compiled[l]);
    if (added.length) {
      await this.db.query(`UPDATE template_versions SET compiled = compiled || $3::jsonb WHERE template_id = $1 AND version = $2`, [
        templateId,
        version,
        JSON.stringify(Object.fromEntries(added.map((l) => [l, compiled[l]]))),
      ]);
    }
    return { templateId, version, defaultLocale: row.default_locale, locales: Object.keys(compiled), variants, compiled };
  }
}
