import type { EntityManager } from 'typeorm';
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

/** Why a lead a trigger or an API call asked for was not enrolled, when that is recorded (table enrollment_skips). */
export const SKIP_REASONS = ['goal_already_met'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/** The upsert tail of an INSERT INTO enrollment_skips: a repeat counts one more attempt on the same row. */
export const SKIP_UPSERT_SQL = `ON CONFLICT (program_id, lead_id, reason) DO UPDATE SET attempts = enrollment_skips.attempts + 1,
       last_at = EXCLUDED.last_at, program_version = EXCLUDED.program_version, via = EXCLUDED.via`;

/**
 * Records (program, lead) pairs that were not enrolled, and why, set-based: only those the program would
 * otherwise have taken (the lead not disqualified or erased, the re-enrollment policy allowing it), so a lead
 * kept out for another reason is not counted as skipped. Returns how many were recorded.
 */
export async function recordSkips(manager: EntityManager, candidates: EnrollmentCandidate[], reason: SkipReason, now: Date): Promise<number> {
  if (!candidates.length) return 0;
  const rows: unknown[] = await manager.query(
    `WITH s AS (
       INSERT INTO enrollment_skips (program_id, lead_id, reason, program_version, via, first_at, last_at)
       SELECT c.program_id, c.lead_id, $6, c.version, c.via, $7, $7
         FROM unnest($1::uuid[], $2::int[], $3::uuid[], $4::text[], $5::int[]) AS c(program_id, version, lead_id, via, days)
         JOIN leads l ON l.id = c.lead_id AND l.stage <> 'disqualified' AND l.erased_at IS NULL
        WHERE ${mayEnterSql('c.program_id', 'c.lead_id', 'c.days', '$7::timestamptz')}
       ${SKIP_UPSERT_SQL}
       RETURNING 1
     ) SELECT 1 FROM s`,
    [
      candidates.map((c) => c.programId),
      candidates.map((c) => c.version),
      candidates.map((c) => c.leadId),
      candidates.map((c) => c.via),
      candidates.map((c) => reenrollAfterDays(c.definition)),
      reason,
      now.toISOString(),
    ],
  );
  return rows.length;
}

/** Enrolls many (program, lead) pairs at once, set-based; returns the enrollments created. */
export async function insertCandidates(
  manager: EntityManager,
  candidates: EnrollmentCandidate[],
  now: Date,
): Promise<{ id: string; lead_id: string; program_id: string }[]> {
  if (!candidates.length) return [];
  return manager.query(
    `INSERT INTO enrollments (program_id, program_version, lead_id, via, current_step_id, step_visit, visits, next_run_at, enrolled_at, updated_at)
     SELECT c.program_id, c.version, c.lead_id, c.via, c.step, 1, jsonb_build_object(c.step, 1), $7, $7, $7
       FROM unnest($1::uuid[], $2::int[], $3::uuid[], $4::text[], $5::text[], $6::int[]) AS c(program_id, version, lead_id, via, step, days)
       JOIN leads l ON l.id = c.lead_id AND l.stage <> 'disqualified' AND l.erased_at IS NULL
      WHERE ${mayEnterSql('c.program_id', 'c.lead_id', 'c.days', '$7::timestamptz')}
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
