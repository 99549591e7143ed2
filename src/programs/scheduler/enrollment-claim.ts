import type { EntityManager } from 'typeorm';
import { sendBlock, type SendBlock } from '../../suppression/lawful-basis.js';
import { listedSuppressions } from '../../suppression/suppression.service.js';
import type { EnrollmentCursor, Waiting } from '../domain/step-interpreter.js';
import { LEAD_SNAPSHOT_COLUMNS, type LeadSnapshotRow } from '../lead-snapshot.js';

/** A due enrollment, locked, with its lead (also locked) as the interpreter needs it. */
export interface ClaimedEnrollment extends LeadSnapshotRow {
  id: string;
  program_id: string;
  program_version: number;
  lead_id: string;
  current_step_id: string;
  visits: Record<string, number>;
  waiting_for: Waiting | null;
  variants: Record<string, string>;
  enrolled_at: Date;
  /** Why the lead may not be emailed (withdrawn consent, the suppression list, or no lawful basis: see sendBlock), or null. */
  suppression: SendBlock | null;
}

/**
 * The claim: due active enrollments of programs that are not paused, oldest due first, locked with
 * SKIP LOCKED so several workers (and several loops per worker) take disjoint batches. It is one
 * single-table query on the partial index `enrollments_due (next_run_at) WHERE status = 'active'`
 * (kept single-table so the planner always walks the index and stops at LIMIT, however many rows
 * are due). Their leads are locked next, also without waiting: scoring and lead upserts lock the
 * lead before touching its enrollments, so taking both this way cannot deadlock, and the steps see a
 * lead that does not change under them. An enrollment whose lead is busy is left for the next claim.
 *
 * Cost, for large batches: the locked enrollment rows are returned as locked (no second read by
 * primary key), and each lead is locked and read by one primary-key probe (a LATERAL subquery: linear
 * in the batch, where joining two CTEs made the planner loop over one for every row of the other).
 * Only the columns the batch reads are returned (the driver spends about a microsecond per column and
 * row, more for a timestamp): not the due time or the visit number.
 *
 * The suppression check the interpreter makes before every step (the lead or its address hash on the
 * suppression list, consent withdrawn, or no lawful basis recorded: {@link sendBlock}) follows in one
 * set-based statement ({@link listedSuppressions}): probing the list row by row inside the claim, with
 * both salted hashes computed by PostgreSQL, cost about 10 µs of PostgreSQL per enrollment.
 */
export const claimSql = (byId: boolean) => `
  WITH due AS (
    SELECT e.id, e.program_id, e.program_version, e.lead_id, e.current_step_id, e.visits, e.waiting_for,
           e.variants, e.enrolled_at, e.next_run_at
      FROM enrollments e
     WHERE e.status = 'active' AND e.next_run_at <= $1
       AND e.program_id <> ALL (ARRAY(SELECT id FROM programs WHERE status = 'paused'))
       ${byId ? 'AND e.id = ANY($3::uuid[])' : ''}
     ORDER BY e.next_run_at
     LIMIT $2
     FOR UPDATE SKIP LOCKED
  )
  SELECT due.id, due.program_id, due.program_version, due.lead_id, due.current_step_id, due.visits, due.waiting_for, due.variants,
         due.enrolled_at, ${LEAD_SNAPSHOT_COLUMNS}, l.email_normalized, l.consent_status
    FROM due
   CROSS JOIN LATERAL (
     SELECT l.id, l.email_normalized, l.consent_status, ${LEAD_SNAPSHOT_COLUMNS} FROM leads l WHERE l.id = due.lead_id FOR NO KEY UPDATE SKIP LOCKED
   ) l
   ORDER BY due.next_run_at`;

export async function claimDue(m: EntityManager, now: Date, limit: number, ids: string[] | null = null): Promise<ClaimedEnrollment[]> {
  const rows: ClaimRow[] = ids ? await m.query(claimSql(true), [now.toISOString(), limit, ids]) : await m.query(claimSql(false), [now.toISOString(), limit]);
  if (!rows.length) return [];
  const listed = await listedSuppressions(m, rows.map((r) => ({ id: r.lead_id, email: r.email_normalized })));
  const claimed = rows as (ClaimRow & Pick<ClaimedEnrollment, 'suppression'>)[];
  for (const r of claimed) r.suppression = sendBlock(r.consent_status, listed.get(r.lead_id));
  return claimed;
}

/** A row of the claim query, before its suppression is known. */
type ClaimRow = Omit<ClaimedEnrollment, 'suppression'> & { email_normalized: string | null; consent_status: string };

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
