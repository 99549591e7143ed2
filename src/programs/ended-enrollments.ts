import type { EntityManager } from 'typeorm';
import { endedEnrollmentReason } from '../email/email-message.types.js';
import type { NurtureMailer } from '../email/nurture-mailer.js';

/** An enrollment as a statement just left it: its status and exit reason after the change. */
export interface EnrollmentEnd {
  id: string;
  status: string;
  exitReason: string | null;
}

/**
 * The enrollments among `ends` that ended early (converted, or exited for any reason), grouped by the reason their
 * queued emails are cancelled with — the one a delivery's claim would give (endedEnrollmentReason). Enrollments
 * still active or completed normally are left out: the last email of a completed one still goes out.
 */
export function cancellationsByReason(ends: readonly EnrollmentEnd[]): Map<string, string[]> {
  const byReason = new Map<string, string[]>();
  for (const e of ends) {
    const reason = endedEnrollmentReason(e.status, e.exitReason);
    if (reason === null) continue;
    const ids = byReason.get(reason);
    if (ids) ids.push(e.id);
    else byReason.set(reason, [e.id]);
  }
  return byReason;
}

/**
 * Inside the transaction that ended them, cancels the emails still queued of the enrollments among `ends` that ended
 * early (NurtureMailer.cancelQueued, one statement per reason; none when nothing ended early). Every way an
 * enrollment ends early goes through here or calls cancelQueued itself with its one reason (archiving, unenrolling).
 * Returns how many messages were cancelled.
 */
export async function cancelEmailsOfEndedEnrollments(m: EntityManager, mailer: NurtureMailer, ends: readonly EnrollmentEnd[]): Promise<number> {
  let cancelled = 0;
  for (const [reason, ids] of cancellationsByReason(ends)) cancelled += await mailer.cancelQueued(m, ids, reason);
  return cancelled;
}
