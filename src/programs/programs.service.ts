import { Inject, Injectable, Optional } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import { DomainError, type FieldError } from '../common/domain-error.js';
import { decodeCursor, type Page, pageOf } from '../common/pagination.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { NurtureMailer } from '../email/nurture-mailer.js';
import { TemplateStore } from '../email/template-store.service.js';
import type { ProgramDefinition } from './domain/program-definition.js';
import { templateFieldsOf, validProgramDefinition } from './program-validation.js';
import type { ListProgramsQuery } from './dto/list-programs.query.js';
import { EnrollmentWakeups } from './scheduler/enrollment-wakeups.js';

export type ProgramStatus = 'draft' | 'active' | 'paused' | 'archived';

interface ProgramRow {
  id: string;
  name: string;
  status: ProgramStatus;
  draft: ProgramDefinition;
  current_version: number | null;
  starter: string | null;
  created_at: Date;
  updated_at: Date;
  archived_at: Date | null;
}

export interface ProgramView {
  id: string;
  name: string;
  status: ProgramStatus;
  currentVersion: number | null;
  /** The draft being edited; published versions are immutable. */
  definition: ProgramDefinition;
  versions?: { version: number; publishedAt: string; publishedBy: string }[];
  starter: string | null;
  createdAt: string;
  updatedAt: string;
  archivedAt: string | null;
}

/** Programs: a draft edited freely, published as immutable versions, paused, resumed and archived. */
@Injectable()
export class ProgramsService {
  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    // Absent outside Nest (the seed command has no queue): a resume then waits for the workers' tick.
    @Optional() private readonly wakeups?: EnrollmentWakeups,
    // Absent outside Nest too (the seed command archives nothing): the emails of an archived program's enrollments
    // are then cancelled when their delivery claims them.
    @Optional() private readonly mailer?: NurtureMailer,
    // Absent outside Nest too (the seed command publishes only the starters, whose templates carry the layout's footer).
    @Optional() private readonly templates?: TemplateStore,
  ) {}

  /**
   * Creates a draft. Its check of the templates and its insert share a transaction (the caller's, or one of its own), so
   * the templates it names stay unarchived until the draft is saved (see namedTemplates).
   */
  async create(input: unknown, starter: string | null = null, manager?: EntityManager): Promise<ProgramView> {
    if (!manager) return this.db.transaction((m) => this.create(input, starter, m));
    const definition = await validProgramDefinition(manager, input, this.config.defaultLocale);
    const now = this.clock.now().toISOString();
    const [row]: ProgramRow[] = await manager.query(
      `INSERT INTO programs (name, draft, starter, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING *`,
      [definition.name, JSON.stringify(definition), starter, now],
    );
    return view(row);
  }

  async update(id: string, input: unknown): Promise<ProgramView> {
    return this.db.transaction(async (m) => {
      const row = await this.lock(m, id);
      if (row.status === 'archived') throw DomainError.conflict(`Program ${id} is archived; its draft can no longer change.`);
      const definition = await validProgramDefinition(m, input, this.config.defaultLocale);
      const [updated]: ProgramRow[] = await m.query(
        `WITH u AS (UPDATE programs SET name = $2, draft = $3, updated_at = $4 WHERE id = $1 RETURNING *) SELECT * FROM u`,
        [id, definition.name, JSON.stringify(definition), this.clock.now().toISOString()],
      );
      return this.withVersions(m, updated);
    });
  }

  async get(id: string, manager: EntityManager = this.db.manager): Promise<ProgramView> {
    const [row]: ProgramRow[] = await manager.query(`SELECT * FROM programs WHERE id = $1`, [id]);
    if (!row) throw DomainError.notFound('Program', id);
    return this.withVersions(manager, row);
  }

  async list(q: ListProgramsQuery): Promise<Page<ProgramView>> {
    const limit = q.limit ?? 50;
    const after = decodeCursor(q.cursor, ['timestamp', 'uuid']);
    const params: unknown[] = [limit + 1];
    const where: string[] = [];
    if (q.status) {
      params.push(q.status);
      where.push(`status = $${params.length}`);
    }
    if (after) {
      params.push(after[0], after[1]);
      where.push(`(created_at, id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    const rows: ProgramRow[] = await this.db.query(
      `SELECT * FROM programs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, id LIMIT $1`,
      params,
    );
    return pageOf(rows.map(view), limit, (p) => [p.createdAt, p.id]);
  }

  /**
   * Publishes the draft as the next immutable version; a draft program becomes active. Enrolled leads stay on their version.
   * In the caller's transaction when given one (the starter installer publishes what it created under its lock).
   */
  async publish(id: string, actor: string, m?: EntityManager): Promise<ProgramView> {
    if (!m) return this.db.transaction((tx) => this.publish(id, actor, tx));
    const row = await this.lock(m, id);
    if (row.status === 'archived') throw DomainError.conflict(`Program ${id} is archived and cannot be published.`);
    // Templates may have changed since the draft was saved: check again.
    const definition = await validProgramDefinition(m, row.draft, this.config.defaultLocale);
    const footerless = await this.templatesWithoutFooter(definition);
    if (footerless.length) throw DomainError.validation(footerless, footerless.map((e) => `${e.field}: ${e.message}`).join('; '));
    const version = (row.current_version ?? 0) + 1;
    const now = this.clock.now().toISOString();
    await m.query(
      `INSERT INTO program_versions (program_id, version, definition, published_at, published_by) VALUES ($1, $2, $3, $4, $5)`,
      [id, version, JSON.stringify(definition), now, actor],
    );
    const [updated]: ProgramRow[] = await m.query(
      `WITH u AS (UPDATE programs SET current_version = $2, status = CASE WHEN status = 'draft' THEN 'active' ELSE status END, updated_at = $3
                   WHERE id = $1 RETURNING *) SELECT * FROM u`,
      [id, version, now],
    );
    return this.withVersions(m, updated);
  }

  /**
   * The email steps whose template's current version would be refused at send time for want of its footer (a version
   * saved before saves checked it: TemplateStore.sendable): a publish would start a program whose every email fails with
   * `template_without_footer`, so it is refused naming the step's field, as a test send of it is. Every locale of the
   * version is checked, since a lead gets the variant of its own language. Checked once per version and locale per
   * process (the footer verdicts' cache).
   */
  private async templatesWithoutFooter(definition: ProgramDefinition): Promise<FieldError[]> {
    if (!this.templates) return [];
    const errors: FieldError[] = [];
    for (const { field, templateId } of templateFieldsOf(definition)) {
      const record = await this.templates.current(templateId);
      for (const locale of record.locales) {
        if (this.templates.footerProblems(record, locale).length === 0) continue;
        errors.push({
          field,
          message:
            `template ${templateId} version ${record.version} (${locale}) has no unsubscribe link or postal address for every lead ` +
            `(saved before saves checked the footer), so its emails would not be sent: publish a new version of the template first`,
        });
        break;
      }
    }
    return errors;
  }

  /** Due steps hold while paused; nobody new enters. */
  pause(id: string): Promise<ProgramView> {
    return this.transition(id, ['active', 'paused'], 'paused');
  }

  /** The steps that came due while paused run now: a worker is nudged instead of waiting for its tick. */
  async resume(id: string): Promise<ProgramView> {
    const program = await this.transition(id, ['paused', 'active'], 'active');
    await this.wakeups?.nudge(this.clock.now());
    return program;
  }

  /**
   * Archives the program; its active enrollments end with reason 'archived', and in the same transaction their
   * emails still queued are cancelled (reason 'archived'; one being sent goes out, see NurtureMailer.cancelQueued).
   * Their wake-up jobs are dropped after commit (only those due within PROGRAMS_WAKE_AHEAD_MS can have one).
   */
  async archive(id: string): Promise<ProgramView> {
    const now = this.clock.now();
    const { program, wakeUps } = await this.db.transaction(async (m) => {
      const row = await this.lock(m, id);
      if (row.status === 'archived') return { program: await this.withVersions(m, row), wakeUps: [] };
      const ended: { id: string; next_run_at: Date | null }[] = await m.query(
        `WITH ended AS (
           UPDATE enrollments e SET status = 'exited', exit_reason = 'archived', next_run_at = NULL, finished_at = $2, updated_at = $2
             FROM enrollments before WHERE before.id = e.id AND e.program_id = $1 AND e.status = 'active'
           RETURNING e.id, before.next_run_at
         ) SELECT * FROM ended`,
        [id, now.toISOString()],
      );
      await this.mailer?.cancelQueued(m, ended.map((e) => e.id), 'archived');
      const [updated]: ProgramRow[] = await m.query(
        `WITH u AS (UPDATE programs SET status = 'archived', archived_at = $2, updated_at = $2 WHERE id = $1 RETURNING *) SELECT * FROM u`,
        [id, now.toISOString()],
      );
      const horizon = now.getTime() + this.config.programs.wakeAheadMs;
      const wakeUps = ended.flatMap((e) => (e.next_run_at && e.next_run_at.getTime() <= horizon ? [{ id: e.id, at: e.next_run_at }] : []));
      return { program: await this.withVersions(m, updated), wakeUps };
    });
    await this.wakeups?.cancel(wakeUps);
    return program;
  }

  private async transition(id: string, from: ProgramStatus[], to: ProgramStatus): Promise<ProgramView> {
    return this.db.transaction(async (m) => {
      const row = await this.lock(m, id);
      if (!from.includes(row.status)) {
        const hint = row.status === 'draft' ? ' Publish it first.' : '';
        throw DomainError.conflict(`Program ${id} is ${row.status}; it cannot be ${to === 'paused' ? 'paused' : 'resumed'}.${hint}`);
      }
      if (row.status === to) return this.withVersions(m, row);
      const [updated]: ProgramRow[] = await m.query(
        `WITH u AS (UPDATE programs SET status = $2, updated_at = $3 WHERE id = $1 RETURNING *) SELECT * FROM u`,
        [id, to, this.clock.now().toISOString()],
      );
      return this.withVersions(m, updated);
    });
  }

  private async lock(m: EntityManager, id: string): Promise<ProgramRow> {
    const [row]: ProgramRow[] = await m.query(`SELECT * FROM programs WHERE id = $1 FOR UPDATE`, [id]);
    if (!row) throw DomainError.notFound('Program', id);
    return row;
  }

  private async withVersions(m: EntityManager, row: ProgramRow): Promise<ProgramView> {
    const versions: { version: number; published_at: Date; published_by: string }[] = await m.query(
      `SELECT version, published_at, published_by FROM program_versions WHERE program_id = $1 ORDER BY version`,
      [row.id],
    );
    return {
      ...view(row),
      versions: versions.map((v) => ({ version: v.version, publishedAt: v.published_at.toISOString(), publishedBy: v.published_by })),
    };
  }
}

function view(row: ProgramRow): ProgramView {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    currentVersion: row.current_version,
    definition: row.draft,
    starter: row.starter,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    archivedAt: row.archived_at?.toISOString() ?? null,
  };
}
