import type { EntityManager } from 'typeorm';
import { optOutReasonSql } from '../suppression/lawful-basis.js';
import { SUPPRESSION_REASONS } from '../suppression/suppression.types.js';
import type { ProgramDefinition } from './domain/program-definition.js';

/** How a lead came in: a trigger type, or the API. */
export type EnrollmentVia = 'event' | 'lead_created' | 'stage_entered' | 'segment' | 'manual' | 'bulk';

/** One lead entering one program version (from the activity listener). */
export interface EnrollmentCandidate {
  programId: string;
  version: number;
  definition: ProgramDefinition;
  leadId: string;
  via: EnrollmentVia;
}

/** Days after which a lead may enter again, or null for never. */
export function reenrollAfterDays(def: ProgramDefinition): number | null {
  return def.reenrollment.policy === 'after' ? def.reenrollment.days : null;
}

/**
 * A lookup of enrollments by lead (and program) with no condition on status uses no index: active ones are
 * in enrollments_one_active (lead_id, program_id) WHERE status = 'active', finished ones in
 * enrollments_lead_history (lead_id, program_id, enrolled_at) WHERE status <> 'active' (so that a scheduler
 * step of an active enrollment maintains one index fewer). Naming both parts lets the planner read the two
 * indexes (a BitmapOr) instead of every enrollment.
 */
export const ANY_STATUS_SQL = `(status = 'active' OR status <> 'active')`;

/**
 * The re-enrollment rule as SQL over a candidate `(program, lead)`: no active enrollment, and no
 * earlier one at all (policy never) or none that ended within the last N days (policy after N days).
 * N days count from when the previous enrollment ended (completed, converted or exited), not from when
 * it began: the lead gets N days of rest after the program, however long the program ran, rather than
 * entering again the day a program longer than N days ends. Active and finished enrollments are tested
 * apart, each on its partial index (see ANY_STATUS_SQL). The unique index on active enrollments is the
 * final guard against concurrent inserts.
 */
export function mayEnterSql(program: string, lead: string, days: string, now: string): string {
  return `NOT EXISTS (SELECT 1 FROM enrollments p WHERE p.lead_id = ${lead} AND p.program_id = ${program} AND p.status = 'active')
          AND NOT EXISTS (SELECT 1 FROM enrollments p WHERE p.lead_id = ${lead} AND p.program_id = ${program} AND p.status <> 'active'
            AND (${days} IS NULL OR coalesce(p.finished_at, p.enrolled_at) > ${now} - make_interval(days => ${days})))`;
}

/**
 * Why a lead a trigger or an API call asked for was not enrolled, when that is recorded (table enrollment_skips):
 * it already met the goal (it would convert at once), or it may not be mailed, by the suppression list's reason or
 * consent_withdrawn (optOutReason: it would exit at once with that reason). A lead with no lawful basis recorded
 * yet is enrolled: its enrollment waits a while for the consent (LAWFUL_BASIS_GRACE_MS).
 */
export const SKIP_REASONS = ['goal_already_met', ...SUPPRESSION_REASONS] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/**
 * The upsert tail of an INSERT INTO enrollment_skips: a repeat counts one more attempt on the same row. One
 * statement must not name a (program, lead, reason) twice.
 */
export const SKIP_UPSERT_SQL = `ON CONFLICT (program_id, lead_id, reason) DO UPDATE SET attempts = enrollment_skips.attempts + 1,
       last_at = EXCLUDED.last_at, program_version = EXCLUDED.program_version, via = EXCLUDED.via`;

/**
 * Joins (aliases `sh`, `sl`) and the expression of why the lead aliased `lead` may not be mailed, the reason a new
 * enrollment of it would exit with at once: the suppression list's reason or consent_withdrawn (optOutReason), null
 * when neither. Such a lead is skipped with that reason, by triggers, one-lead and bulk API enrollment alike. The
 * list entry is the one suppressionOfLeadSql finds (by the address's salted hash or by the lead's id, the earliest):
 * the address's entry by a plain join on the list's key, which the planner may hash, rather than a lateral union of
 * two probes per lead.
 *
 * The address's key is the one stored on the lead (leads.email_hash, written by a trigger in the statement that
 * writes email_normalized, see migration 1764006500000) rather than hashed here: hashing 100,000 addresses took
 * PostgreSQL 0.25–0.7 s of a bulk enrollment (target 5 s), so bulk enrollment used to read only the lead's own
 * entries and let an address listed before its lead existed through to the first step's check. Joined on the stored
 * key, the address's entries cost about what reading the lead's own entries does. Storing the key was chosen over
 * linking address entries to the lead when they meet (suppressions.lead_id set when a lead is created or its address
 * changes): a lead created while its address is being listed in another transaction sees neither the other's row,
 * so that entry would stay unlinked for good, and an erased lead's entry is unlinked on purpose; the stored key
 * depends on the lead's own row alone. Entries recorded with the lead's id still count after its address changes.
 */
export function optOutOfLeadSql(lead: string): { join: string; reason: string } {
  const join = `LEFT JOIN suppressions sh ON sh.email_hash = ${lead}.email_hash
    LEFT JOIN LATERAL (SELECT reason, created_at FROM suppressions WHERE lead_id = ${lead}.id ORDER BY created_at LIMIT 1) sl ON true`;
  const listed = `CASE WHEN sh.reason IS NULL OR sl.created_at < sh.created_at THEN sl.reason ELSE sh.reason END`;
  return { join, reason: optOutReasonSql(`${lead}.consent_status`, listed) };
}

/**
 * Records (program, lead) pairs that were not enrolled, each with why, set-based: only those the program would
 * otherwise have taken (the lead not disqualified or erased, the re-enrollment policy allowing it), so a lead
 * kept out for another reason is not counted as skipped. Returns how many were recorded.
 */
export async function recordSkips(manager: EntityManager, skips: (EnrollmentCandidate & { reason: SkipReason })[], now: Date): Promise<number> {
  if (!skips.length) return 0;
  const rows: unknown[] = await manager.query(
    `WITH s AS (
       INSERT INTO enrollment_skips (program_id, lead_id, reason, program_version, via, first_at, last_at)
       SELECT c.program_id, c.lead_id, c.reason, c.version, c.via, $7, $7
         FROM unnest($1::uuid[], $2::int[], $3::uuid[], $4::text[], $5::int[], $6::text[]) AS c(program_id, version, lead_id, via, days, reason)
         JOIN leads l ON l.id = c.lead_id AND l.stage <> 'disqualified' AND l.erased_at IS NULL
        WHERE ${mayEnterSql('c.program_id', 'c.lead_id', 'c.days', '$7::timestamptz')}
       ${SKIP_UPSERT_SQL}
       RETURNING 1
     ) SELECT 1 FROM s`,
    [
      skips.map((c) => c.programId),
      skips.map((c) => c.version),
      skips.map((c) => c.leadId),
      skips.map((c) => c.via),
      skips.map((c) => reenrollAfterDays(c.definition)),
      skips.map((c) => c.reason),
      now.toISOString(),
    ],
  );
  return rows.length;
}

/**
 * Enrolls many (program, lead) pairs at once, set-based, through the re-enrollment policy; returns the enrollments
 * created. A lead that may not be mailed (see optOutOfLeadSql) is not enrolled but recorded as skipped with that
 * reason, in the same statement.
 */
export async function insertCandidates(
  manager: EntityManager,
  candidates: EnrollmentCandidate[],
  now: Date,
): Promise<{ id: string; lead_id: string; program_id: string }[]> {
  if (!candidates.length) return [];
  const optOut = optOutOfLeadSql('l');
  return manager.query(
    `WITH c AS (
       SELECT c.program_id, c.version, c.lead_id, c.via, c.step, ${optOut.reason} AS opt_out
         FROM unnest($1::uuid[], $2::int[], $3::uuid[], $4::text[], $5::text[], $6::int[]) AS c(program_id, version, lead_id, via, step, days)
         JOIN leads l ON l.id = c.lead_id AND l.stage <> 'disqualified' AND l.erased_at IS NULL
         ${optOut.join}
        WHERE ${mayEnterSql('c.program_id', 'c.lead_id', 'c.days', '$7::timestamptz')}
     ), skip AS (
       INSERT INTO enrollment_skips (program_id, lead_id, reason, program_version, via, first_at, last_at)
       SELECT c.program_id, c.lead_id, c.opt_out, c.version, c.via, $7, $7 FROM c WHERE c.opt_out IS NOT NULL
       ${SKIP_UPSERT_SQL}
     )
     INSERT INTO enrollments (program_id, program_version, lead_id, via, current_step_id, step_visit, visits, next_run_at, enrolled_at, updated_at)
     SELECT c.program_id, c.version, c.lead_id, c.via, c.step, 1, jsonb_build_object(c.step, 1), $7, $7, $7 FROM c WHERE c.opt_out IS NULL
     ON CONFLICT (lead_id, program_id) WHERE status = 'active' DO NOTHING
     RETURNING id, lead_id, program_id`,
    [
      candidates.map((c) => c.programId),
      candidates.map((c) => c.version),
      candidates.map((c) => c.leadId),
      candidates.map((c) => c.via),
      candidates.map((c) => c.definition.steps[0].id),
      candidates.map((c) => reenrollAfterDays(c.definition)),
      now.toISOString(),
    ],
  );
}
