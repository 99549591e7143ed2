import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock.js';
import { DomainError, ErrorCode } from '../common/domain-error.js';
import { decodeCursor, pageOf, type Page } from '../common/pagination.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { TemplateVariant } from '../email/domain/template-compiler.js';
import { EmailService } from '../email/email.service.js';
import { MessageRenderer } from '../email/message-renderer.service.js';
import { leadSnapshotFromRow } from '../email/template-data.js';
import { TemplateCompilerService } from '../email/template-compiler.service.js';
import { TemplateStore } from '../email/template-store.service.js';
import { intentParams, leadIntentSql } from '../scoring/lead-intent.js';
import { ScoringModelService } from '../scoring/scoring-model.service.js';
import { describeTemplateUse, programsUsingTemplate } from '../programs/template-use.js';
import type { CreateTemplateDto, UpdateTemplateDto } from './dto/template-body.dto.js';
import type { PreviewTemplateDto } from './dto/preview-template.dto.js';
import { parseVariants, pickDefaultLocale } from './template-variants.js';
import type { PreviewView, TemplateVersionView, TemplateView } from './template.types.js';

/**
 * Email templates with immutable versions. Every save compiles each variant's MJML once (with the shared
 * layout and partials) and stores the compiled form with the version, so sends only run Handlebars;
 * invalid MJML or Handlebars, unknown variables, and an email without the footer's unsubscribe link and postal
 * address (a whole `<mjml>` document that leaves them out) are refused (422) naming the variant field (and line).
 */
@Injectable()
export class TemplatesService {
  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock,
    private readonly compiler: TemplateCompilerService,
    private readonly store: TemplateStore,
    private readonly renderer: MessageRenderer,
    private readonly email: EmailService,
    private readonly models: ScoringModelService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(dto: CreateTemplateDto, author: string): Promise<TemplateView> {
    const variants = parseVariants(dto.variants);
    const defaultLocale = pickDefaultLocale(Object.keys(variants), dto.defaultLocale, [this.config.defaultLocale]);
    const compiled = await this.compiler.compileVariants(variants);
    const now = this.clock.now().toISOString();
    const id = await this.db.transaction(async (m) => {
      const [t] = await m.query(
        `INSERT INTO templates (name, default_locale, current_version, created_at, updated_at) VALUES ($1, $2, 1, $3, $3) RETURNING id`,
        [dto.name.trim(), defaultLocale, now],
      );
      await this.insertVersion(m, t.id, 1, variants, compiled, defaultLocale, now, author);
      return t.id as string;
    });
    return this.get(id);
  }

  async update(id: string, dto: UpdateTemplateDto, author: string): Promise<TemplateView> {
    const variants = parseVariants(dto.variants);
    const [current] = await this.db.query(`SELECT default_locale FROM templates WHERE id = $1 AND archived_at IS NULL`, [id]);
    if (!current) throw DomainError.notFound('Template', id);
    const defaultLocale = pickDefaultLocale(Object.keys(variants), dto.defaultLocale, [current.default_locale, this.config.defaultLocale]);
    const compiled = await this.compiler.compileVariants(variants); // slow (MJML): before taking the row lock
    const now = this.clock.now().toISOString();
    await this.db.transaction(async (m) => {
      const [t] = await m.query(
        `WITH u AS (
           UPDATE templates SET current_version = current_version + 1, name = coalesce($2, name), default_locale = $3, updated_at = $4
           WHERE id = $1 AND archived_at IS NULL RETURNING current_version
         ) SELECT current_version FROM u`,
        [id, dto.name?.trim() ?? null, defaultLocale, now],
      );
      if (!t) throw DomainError.notFound('Template', id);
      await this.insertVersion(m, id, t.current_version, variants, compiled, defaultLocale, now, author);
    });
    return this.get(id);
  }

  async list(limit: number, cursor?: string): Promise<Page<TemplateView>> {
    const after = decodeCursor(cursor, ['timestamp', 'uuid']);
    const rows = await this.db.query(
      `SELECT t.*, (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(v.variants) k) AS locales
       FROM templates t JOIN template_versions v ON v.template_id = t.id AND v.version = t.current_version
       WHERE t.archived_at IS NULL ${after ? 'AND (t.created_at, t.id) > ($2::timestamptz, $3::uuid)' : ''}
       ORDER BY t.created_at, t.id LIMIT $1`,
      after ? [limit + 1, after[0], after[1]] : [limit + 1],
    );
    return pageOf(rows.map(summary), limit, (t) => [t.createdAt, t.id]);
  }

  async get(id: string): Promise<TemplateView> {
    const [t] = await this.db.query(`SELECT * FROM templates WHERE id = $1 AND archived_at IS NULL`, [id]);
    if (!t) throw DomainError.notFound('Template', id);
    const versions = await this.db.query(
      `SELECT version, variants, coalesce(default_locale, $2) AS default_locale, created_at, created_by
       FROM template_versions WHERE template_id = $1 ORDER BY version DESC`,
      [id, t.default_locale],
    );
    const current = versions.find((v: { version: number }) => v.version === t.current_version);
    return {
      ...summary({ ...t, locales: Object.keys(current?.variants ?? {}).sort() }),
      variants: current?.variants ?? {},
      versions: versions.map((v: Record<string, any>) => versionSummary(v)),
    };
  }

  /**
   * Archives the template: it leaves the list, and reads, saves, previews and test sends of it answer 404; a program
   * naming it is refused at save and publish (422 naming the step's templateId). Refused (409, reason
   * `template_in_use`, errors naming each program) while a program that is not archived may still send it: its draft,
   * its current version, or an older version leads are still enrolled in (programsUsingTemplate). Its versions stay,
   * readable by number (GET /{id}/versions/{version}), since sent messages and timelines name them; so messages already
   * queued or held still go out as decided: a send reads the message's template version, never the template's state.
   *
   * The template row is locked before the programs are read, and program saves and publishes read templates FOR SHARE
   * (namedTemplates): a program saved meanwhile either commits first, and is seen here, or waits and finds the
   * template archived.
   */
  async archive(id: string): Promise<void> {
    const now = this.clock.now().toISOString();
    await this.db.transaction(async (m) => {
      const [t]: { name: string }[] = await m.query(`SELECT name FROM templates WHERE id = $1 AND archived_at IS NULL FOR UPDATE`, [id]);
      if (!t) throw DomainError.notFound('Template', id);
      const uses = await programsUsingTemplate(m, id);
      if (uses.length) {
        const names = uses.map((u) => `"${u.name}" (${u.programId})`).join(', ');
        throw new DomainError(
          ErrorCode.Conflict,
          `Template ${id} ("${t.name}") is still sent by ${uses.length === 1 ? 'a program' : `${uses.length} programs`}: ${names}. ` +
            'Archive the program, or publish it without the template and let its enrolled leads finish, then archive the template.',
          uses.map((u) => ({ field: 'id', message: describeTemplateUse(u) })),
          'template_in_use',
        );
      }
      await m.query(`UPDATE templates SET archived_at = $2, updated_at = $2 WHERE id = $1`, [id, now]);
    });
  }

  /** One version by number, also of an archived template: the messages and timelines that name it stay readable. */
  async version(id: string, version: number): Promise<TemplateVersionView> {
    const [v] = await this.db.query(
      `SELECT v.*, coalesce(v.default_locale, t.default_locale) AS default_locale
       FROM template_versions v JOIN templates t ON t.id = v.template_id WHERE v.template_id = $1 AND v.version = $2`,
      [id, version],
    );
    if (!v) throw DomainError.notFound('Template version', `${id} v${version}`);
    return { templateId: id, ...versionSummary(v), variants: v.variants };
  }

  /**
   * Renders the current version for a lead or for sample data; nothing is tracked or sent. `problems` lists what
   * a send would refuse the rendered variant for (a footer missing from a version saved before saves checked it).
   */
  async preview(id: string, dto: PreviewTemplateDto): Promise<PreviewView> {
    if ((dto.leadId === undefined) === (dto.data === undefined)) {
      throw DomainError.invalidField(dto.leadId ? 'data' : 'leadId', 'give either leadId or data (with an optional locale)');
    }
    const record = await this.store.current(id);
    let lead;
    if (dto.leadId) {
      const intent = intentParams((await this.models.currentForRead()).definition, this.clock.now());
      const [row] = await this.db.query(
        `SELECT l.*, ${leadIntentSql('l.id', { high: '$2', medium: '$3', since: '$4' })} AS intent FROM leads l WHERE l.id = $1`,
        [dto.leadId, intent.high, intent.medium, intent.since],
      );
      if (!row) throw DomainError.notFound('Lead', dto.leadId);
      lead = leadSnapshotFromRow(row);
    }
    const rendered = this.renderer.preview(record, { lead, data: dto.data, locale: dto.locale });
    return {
      subject: rendered.subject,
      html: rendered.html,
      text: rendered.text,
      locale: rendered.locale,
      version: record.version,
      problems: rendered.problems.map(({ field, message }) => ({ field, message })),
    };
  }

  /**
   * Queues a test send of the current version, once the variant it would use is known to go out (sendable, and
   * rendering for the sample lead at `to`): else 422 naming the variant field, and nothing is queued. A marketer
   * pressing "send test" hears of it at once, not from a failed message later.
   */
  async testSend(id: string, to: string, locale?: string) {
    const address = to.trim();
    const record = await this.store.current(id);
    this.renderer.checkTestSend(record, locale ?? null, address);
    return this.email.sendTest(id, record.version, address, locale ?? null);
  }

  private async insertVersion(
    m: { query: DataSource['query'] },
    id: string,
    version: number,
    variants: Record<string, TemplateVariant>,
    compiled: object,
    defaultLocale: string,
    now: string,
    author: string,
  ): Promise<void> {
    await m.query(
      `INSERT INTO template_versions (template_id, version, variants, compiled, default_locale, created_at, created_by)
       VALUES ($1, $2, $3::jsonb, $4::jsonb, $5, $6, $7)`,
      [id, version, JSON.stringify(variants), JSON.stringify(compiled), defaultLocale, now, author],
    );
  }
}

function summary(t: Record<string, any>): TemplateView {
  return {
    id: t.id,
    name: t.name,
    defaultLocale: t.default_locale,
    version: t.current_version,
    locales: t.locales ?? [],
    createdAt: t.created_at.toISOString(),
    updatedAt: t.updated_at.toISOString(),
  };
}

function versionSummary(v: Record<string, any>) {
  return {
    version: v.version,
    defaultLocale: v.default_locale,
    locales: Object.keys(v.variants ?? {}).sort(),
    createdAt: v.created_at.toISOString(),
    createdBy: v.created_by,
  };
}
