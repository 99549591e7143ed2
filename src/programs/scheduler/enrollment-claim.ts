import type { EntityManager } from 'typeorm';
import type { EnrollmentCursor, Waiting } from '../domain/step-interpreter.js';
import { LEAD_SNAPSHOT_COLUMNS, type LeadSnapshotRow } from '../lead-snapshot.js';

/** A due enrollment, locked, with its lead (also locked) as the interpreter needs it. */
export interface ClaimedEnrollment extends LeadSnapshotRow {
  id: string;
  program_id: string;
  program_version: number;
  lead_id: string;
  current_step_id: string;
  step_visit: number;
  visits: Record<string, number>;
  waiting_for: Waiting | null;
  variants: Record<string, string>;
  enrolled_at: Date;
  next_run_at: Date;
}

/**
 * The claim: due active enrollments of active programs, oldest due first, locked with SKIP LOCKED
 * so several workers (and several loops per worker) take disjoint batches. The lead row is locked
 * too (never waited for): scoring and lead upserts lock the lead before touching its enrollments,
 * so taking both without waiting cannot deadlock, and the step sees a lead that does not change
 * under it. Served by the partial index `enrollments_due (next_run_at) WHERE status = 'active'`.
 */
export const claimSql = (byId: boolean) => `
  SELECT e.id, e.program_id, e.program_version, e.lead_id, e.current_step_id, e.step_visit, e.visits, e.waiting_for,
         e.variants, e.enrolled_at, e.next_run_at, ${LEAD_SNAPSHOT_COLUMNS}
    FROM enrollments e
    JOIN programs p ON p.id = e.program_id
    JOIN leads l ON l.id = e.lead_id
   WHERE e.status = 'active' AND e.next_run_at <= $1 AND p.status = 'active'
     ${byId ? 'AND e.id = ANY($3::uuid[])' : ''}
   ORDER BY e.next_run_at
   LIMIT $2
   FOR UPDATE OF e SKIP LOCKED
   FOR NO KEY UPDATE OF l SKIP LOCKED`;

export async function claimDue(m: EntityManager, now: Date, limit: number, ids: string[] | null = null): Promise<ClaimedEnrollment[]> {
  return ids ? m.query(claimSql(true), [now.toISOString(), limit, ids]) : m.query(claimSql(false), [now.toISOString(), limit]);
}

export function cursorOf(row: ClaimedEnrollment): EnrollmentCursor {
  return {
    id: row.id,
    stepId: row.current_step_id,
    visits: row.visits,
    waitingFor: row.waiting_for,
    variants: row.variants,
    enrolledAt: row.enrolled_at,
  };
}
