import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import { decodeCursor, type Page, pageOf } from '../common/pagination.js';
import { SqlParams } from '../common/sql-params.js';
import { ScoringModelService } from '../scoring/scoring-model.service.js';
import type { ProgramDefinition } from './domain/program-definition.js';
import type { Waiting } from './domain/step-interpreter.js';
import type { EnrollDto } from './dto/enroll.dto.js';
import type { ListEnrollmentsQuery } from './dto/list-enrollments.query.js';
import { ANY_STATUS_SQL, mayEnterSql, optOutOfLeadSql, reenrollAfterDays, SKIP_UPSERT_SQL, type EnrollmentVia, type SkipReason } from './enrollment-writer.js';
import { ProgramCatalog } from './program-catalog.service.js';
import { conditionSql, goalOnEntrySql, parseSegment } from './segment-sql.js';
import { EnrollmentWakeups } from './scheduler/enrollment-wakeups.js';

export interface EnrollmentRow {
  id: string;
  program_id: string;
  program_version: number;
  lead_id: string;
  status: string;
  exit_reason: string | null;
  exited_by: string | null;
  via: string;
  current_step_id: string;
  step_visit: number;
  next_run_at: Date | null;
  waiting_for: Waiting | null;
  variants: Record<string, string>;
  enrolled_at: Date;
  finished_at: Date | null;
}

export interface EnrollmentView {
  id: string;
  programId: string;
  programVersion: number;
  leadId: string;
  status: string;
  exitReason: string | null;
  /** Who ended it by hand (an unenroll through the API: `api-key:<name>`); null for every other ending. */
  exitedBy: string | null;
  via: string;
  currentStepId: string;
  stepVisit: number;
  nextRunAt: string | null;
  waitingFor: Waiting | null;
  variants: Record<string, string>;
  enrolledAt: string;
  finishedAt: string | null;
}

export interface BulkEnrollmentResult {
  requested: number | null;
  enrolled: number;
  skipped: number | null;
  /** Leads not enrolled because they already met the program's goal (among the skipped ones). */
  goalAlreadyMet: number;
  /** Leads not enrolled because they may not be mailed: on the suppression list or consent withdrawn (among the skipped ones). */
  suppressed: number;
}

/** Enrolling leads by API (one, a list, or a segment), set-based, and listing a program's enrollments. */
@Injectable()
export class EnrollmentsService {
  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock,
    private readonly catalog: ProgramCatalog,
    private readonly wakeups: EnrollmentWakeups,
    private readonly models: ScoringModelService,
  ) {}

  /**
   * New enrollments' first steps are due at once: after commit, a worker is nudged rather than left to its tick.
   * A refusal says why (`reason`): already_enrolled, not_eligible, or a skip reason (the skip is recorded, hence
   * the refusal after commit): goal_already_met (the lead already meets the goal, so it would convert at once),
   * or why the lead may not be mailed (unsubscribed, hard_bounce, soft_bounces, complaint, consent_withdrawn, erased, manual:
   * it would exit at once).
   */
  async enrollOne(programId: string, leadId: string): Promise<EnrollmentView> {
    const outcome = await this.db.transaction(async (m): Promise<EnrollmentView | SkipReason> => {
      const { version, definition } = await this.enrollable(m, programId);
      const [lead]: { id: string; erased: boolean }[] = await m.query(`SELECT id, erased_at IS NOT NULL AS erased FROM leads WHERE id = $1`, [leadId]);
      if (!lead) throw DomainError.notFound('Lead', leadId);
      if (lead.erased) throw DomainError.leadErased(leadId);
      const p = new SqlParams([leadId]);
      const [row]: (EnrollmentRow & { skip_reason: SkipReason | null })[] = await this.insert(m, programId, version, definition, 'manual', 'l.id = $1::uuid', p, 'rows');
      if (row.id) return view(row);
      if (row.skip_reason) return row.skip_reason;
      const [active]: { id: string }[] = await m.query(
        `SELECT id FROM enrollments WHERE program_id = $1 AND lead_id = $2 AND status = 'active'`,
        [programId, leadId],
      );
      if (active) throw DomainError.conflict(`Lead ${leadId} is already enrolled in this program (enrollment ${active.id}).`, 'already_enrolled');
      throw DomainError.conflict(
        `Lead ${leadId} may not enter this program: the entry filter, its re-enrollment policy or its stage (disqualified) keeps it out.`,
        'not_eligible',
      );
    });
    if (outcome === 'goal_already_met') {
      throw DomainError.conflict(`Lead ${leadId} already meets this program's goal, so it is not enrolled (it would convert at once).`, 'goal_already_met');
    }
    if (typeof outcome === 'string') {
      throw DomainError.conflict(`Lead ${leadId} may not be mailed (${outcome}), so it is not enrolled (it would exit at once).`, outcome);
    }
    await this.wakeups.nudge(this.clock.now());
    return outcome;
  }

  /** Up to 100,000 leads by id, or every lead of a segment, in one INSERT … SELECT. */
  async enrollMany(programId: string, dto: EnrollDto): Promise<BulkEnrollmentResult> {
    const result = await this.db.transaction(async (m): Promise<BulkEnrollmentResult> => {
      const { version, definition } = await this.enrollable(m, programId);
      // PostgreSQL's JIT compiles a statement this size for about 0.3 s before it runs; the statement itself is a
      // scan and an insert, which compiling does not speed up.
      await m.query(`SET LOCAL jit = off`);
      if (dto.leadIds) {
        const ids = [...new Set(dto.leadIds.map((id) => id.toLowerCase()))];
        // A semi-join on the unnested list: hashed, whatever the list's size.
        const [n] = await this.insert(m, programId, version, definition, 'bulk', 'l.id IN (SELECT unnest($1::uuid[]))', new SqlParams([ids]), 'count');
        return { requested: ids.length, enrolled: n.count, skipped: ids.length - n.count, goalAlreadyMet: n.goal_already_met, suppressed: n.suppressed };
      }
      const p = new SqlParams();
      const { definition: model } = await this.models.currentForRead();
      const where = conditionSql(parseSegment(dto.segment), p, this.clock.now(), model.halfLifeDays);
      const [n] = await this.insert(m, programId, version, definition, 'segment', where, p, 'count');
      return { requested: null, enrolled: n.count, skipped: null, goalAlreadyMet: n.goal_already_met, suppressed: n.suppressed };
    });
    if (result.enrolled) await this.wakeups.nudge(this.clock.now());
    return result;
  }

  async list(programId: string, q: ListEnrollmentsQuery): Promise<Page<EnrollmentView>> {
    const [program]: { id: string }[] = await this.db.query(`SELECT id FROM programs WHERE id = $1`, [programId]);
    if (!program) throw DomainError.notFound('Program', programId);
    const limit = q.limit ?? 50;
    const { sql, values } = listSql(programId, q);
    const rows: EnrollmentRow[] = await this.db.query(sql, values);
    return pageOf(rows.map(view), limit, (e) => [e.enrolledAt, e.id]);
  }

  private async enrollable(m: EntityManager, programId: string): Promise<{ version: number; definition: ProgramDefinition }> {
    const [program]: { status: string; current_version: number | null }[] = await m.query(
      `SELECT status, current_version FROM programs WHERE id = $1 FOR SHARE`,
      [programId],
    );
    if (!program) throw DomainError.notFound('Program', programId);
    if (program.status !== 'active' || program.current_version === null) {
      throw DomainError.conflict(`Program ${programId} is ${program.status}; only an active program takes new leads.`);
    }
    const definition = await this.catalog.definition(m, programId, program.current_version);
    return { version: program.current_version, definition: definition! };
  }

  /**
   * INSERT … SELECT over leads matching `leadWhere`, through the entry filter and the re-enrollment policy. Of
   * those, the leads that already meet the goal (goalOnEntrySql), and then those that may not be mailed
   * (optOutOfLeadSql), are not enrolled but recorded as skipped (enrollment_skips) with that reason, as the
   * activity listener does for triggers; `goal_already_met` and `suppressed` count them.
   */
  private async insert(
    m: EntityManager,
    programId: string,
    version: number,
    def: ProgramDefinition,
    via: EnrollmentVia,
    leadWhere: string,
    p: SqlParams,
    shape: 'rows' | 'count',
  ) {
    const now = this.clock.now();
    const { definition: model } = await this.models.currentForRead();
    // The entry filter sees the engagement score decayed to now, as a trigger's entry check and the goal check do.
    const entry = def.entryFilter ? conditionSql(def.entryFilter, p, now, model.halfLifeDays) : 'true';
    const goalMet = goalOnEntrySql(def.goal, p, now, model.halfLifeDays);
    const optOut = optOutOfLeadSql('l');
    const first = def.steps[0].id;
    const [prog, ver, how, step, visits, at, days] = [
      p.add(programId, '::uuid'),
      p.add(version, '::int'),
      p.add(via),
      p.add(first),
      p.add(JSON.stringify({ [first]: 1 }), '::jsonb'),
      p.add(now.toISOString(), '::timestamptz'),
      p.add(reenrollAfterDays(def), '::int'),
    ];
    // The goal first, as the interpreter checks it before the suppression list at every step.
    const statements = `WITH entering AS (
         SELECT l.id, CASE WHEN ${goalMet} THEN 'goal_already_met' ELSE ${optOut.reason} END AS skip_reason
           FROM leads l
           ${optOut.join}
          WHERE (${leadWhere}) AND l.stage <> 'disqualified' AND l.erased_at IS NULL AND ${entry} AND ${mayEnterSql(prog, 'l.id', days, at)}
       ), ins AS (
         INSERT INTO enrollments (program_id, program_version, lead_id, via, current_step_id, step_visit, visits, next_run_at, enrolled_at, updated_at)
         SELECT ${prog}, ${ver}, c.id, ${how}, ${step}, 1, ${visits}, ${at}, ${at}, ${at} FROM entering c WHERE c.skip_reason IS NULL
         ON CONFLICT (lead_id, program_id) WHERE status = 'active' DO NOTHING
         RETURNING ${shape === 'rows' ? '*' : '1'}
       ), skip AS (
         INSERT INTO enrollment_skips (program_id, lead_id, reason, program_version, via, first_at, last_at)
         SELECT ${prog}, c.id, c.skip_reason, ${ver}, ${how}, ${at}, ${at} FROM entering c WHERE c.skip_reason IS NOT NULL
         ${SKIP_UPSERT_SQL}
         RETURNING reason
       )`;
    // Counting needs no columns: returning whole rows made a bulk enrollment keep (and spill to disk) 100,000 of them.
    // One row either way: the enrollment (null columns when none) beside the skip's reason, or the counts of skips.
    const sql =
      shape === 'rows'
        ? `${statements} SELECT ins.*, s.reason AS skip_reason FROM (SELECT (SELECT reason FROM skip LIMIT 1) AS reason) s LEFT JOIN ins ON true`
        : `${statements} SELECT (SELECT count(*) FROM ins)::int AS count,
             (SELECT count(*) FILTER (WHERE reason = 'goal_already_met') FROM skip)::int AS goal_already_met,
             (SELECT count(*) FILTER (WHERE reason <> 'goal_already_met') FROM skip)::int AS suppressed`;
    return m.query(sql, p.values);
  }
}

/** A page of a program's enrollments (filtered by status and/or lead), in enrollment order. */
export function listSql(programId: string, q: ListEnrollmentsQuery): { sql: string; values: unknown[] } {
  const after = decodeCursor(q.cursor, ['timestamp', 'uuid']);
  const p = new SqlParams([programId, (q.limit ?? 50) + 1]);
  const where = ['program_id = $1'];
  if (q.status) where.push(`status = ${p.add(q.status)}`);
  // Without the status condition, a lead's enrollments were read by filtering all of the program's.
  if (q.leadId) where.push(`lead_id = ${p.add(q.leadId)}`, ANY_STATUS_SQL);
  if (after) where.push(`(enrolled_at, id) > (${p.add(after[0], '::timestamptz')}, ${p.add(after[1], '::uuid')})`);
  return { sql: `SELECT * FROM enrollments WHERE ${where.join(' AND ')} ORDER BY enrolled_at, id LIMIT $2`, values: p.values };
}

export function view(row: EnrollmentRow): EnrollmentView {
  return {
    id: row.id,
    programId: row.program_id,
    programVersion: row.program_version,
    leadId: row.lead_id,
    status: row.status,
    exitReason: row.exit_reason,
    exitedBy: row.exited_by,
    via: row.via,
    currentStepId: row.current_step_id,
    stepVisit: row.step_visit,
    nextRunAt: row.next_run_at?.toISOString() ?? null,
    waitingFor: row.waiting_for,
    variants: row.variants,
    enrolledAt: row.enrolled_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
  };
}
