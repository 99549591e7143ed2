/**
 * Why the system (not sales) closed a hand-off that was still waiting for an answer, as its `closeReason` and its
 * `handoff.closed` webhook say:
 * - went_cold: the lead went cold (MQL_COLD_AFTER_DAYS without engagement) and was recycled; the hand-off is `expired`;
 * - disqualified / customer: the lead was set to that stage by hand (PATCH /leads/{id}); the hand-off is `rejected`
 *   (reject reason other), closed by the person who set the stage;
 * - erased: the lead was erased (GDPR); the hand-off is `rejected` (reject reason other), closed by `gdpr-erasure`.
 * A closure records when, why and by whom (closed_at, close_reason, closed_by), never a response (responded_at,
 * responded_by): nobody in sales answered, so SLA compliance does not count it as an answer (slaCompliance).
 * Sales' own answers (accept, reject, outcome) are not closures: sales know, they gave them.
 */
export const HANDOFF_CLOSE_REASONS = ['went_cold', 'disqualified', 'customer', 'erased'] as const;
export type HandoffCloseReason = (typeof HANDOFF_CLOSE_REASONS)[number];

/** The close reason of a pending hand-off whose lead is set by hand to `stage`. */
export function manualStageCloseReason(stage: 'customer' | 'disqualified'): HandoffCloseReason {
  return stage;
}

/**
 * What SLA compliance reads of a hand-off. Only sales' own answer (accept or reject through the sales API) is a
 * response; a hand-off the system closed while it waited for sales (went cold, lead set by hand, erased) has a
 * `closedAt` and no `respondedAt`: nobody answered it.
 */
export interface SlaRecord {
  createdAt: Date;
  slaDueAt: Date;
  /** How many deadlines the SLA watch flagged as missed (kept when a new owner gets a fresh deadline). */
  breachCount: number;
  /** Sales' answer. */
  respondedAt: Date | null;
  /** When the system (or a person setting the lead's stage) closed it without a sales answer. */
  closedAt: Date | null;
}

/** One hand-off's share of the funnel's SLA figures (analytics, funnel-queries.ts SLA_COLUMNS). */
export interface SlaCompliance {
  /** Whether an answer was owed and its time has come: it counts in the compliance rate's denominator. */
  due: boolean;
  /** Answered by sales at or before the deadline, and never flagged as missed. */
  inTime: boolean;
  /** Sales' response time, for the median; null when sales never answered. */
  responseMs: number | null;
}

/**
 * SLA compliance of one hand-off at `now`: it is due when sales answered it, when it ever missed a deadline, or
 * when its deadline passed while it was still open — before it was closed, or before `now` while it is still open.
 * It is in time when sales answered at or before the deadline and it never missed one. So a hand-off closed
 * without a sales answer before its deadline is not due (nobody owed an answer any more), one closed after it is
 * due and missed, and neither counts as a response.
 *
 * The statement of the rule, not its running code: analytics counts in SQL over the funnel's facts (SLA_COLUMNS in
 * funnel-queries.ts), and the tests hold that SQL to this function (closure.spec.ts, test/analytics.e2e.ts).
 */
export function slaCompliance(h: SlaRecord, now: Date): SlaCompliance {
  const due = h.slaDueAt.getTime();
  const answered = h.respondedAt !== null;
  const everMissed = h.breachCount > 0;
  // Open until it was closed, and never beyond now (SQL: sla_due_at < LEAST(closed_at, now), LEAST skipping a null).
  const openUntil = Math.min(h.closedAt?.getTime() ?? Infinity, now.getTime());
  return {
    due: answered || everMissed || due < openUntil,
    inTime: answered && h.respondedAt!.getTime() <= due && !everMissed,
    responseMs: answered ? h.respondedAt!.getTime() - h.createdAt.getTime() : null,
  };
}

/** What decides whether a hand-off reads as having missed its SLA (the API's `slaBreached`). */
export interface SlaFacts {
  slaDueAt: Date;
  /** When the SLA watch flagged the current deadline as missed (cleared when a new owner gets a fresh one). */
  breachedAt: Date | null;
  /** Sales' answer (accept or reject); never set by a close. */
  respondedAt: Date | null;
  /** When the system (or a person setting the lead's stage) closed it without a sales answer. */
  closedAt: Date | null;
}

/**
 * Whether a hand-off missed its SLA, whatever its status, as analytics' SLA compliance counts it (slaCompliance:
 * missed = due and not in time): one flagged by the watch did; one answered by sales did when the answer came after
 * the deadline; one closed without an answer (rejected on sales' behalf, erased, expired) did when it was closed
 * after the deadline, and did not when it was closed at or before it; one still pending did once the deadline passed
 * (`now` later than slaDueAt: at the deadline instant itself an answer would still be in time, so it is not missed yet;
 * without `now`, as in a webhook written by the watch, a pending one reads as missed only when flagged). The queue's
 * `status=breached` filter and the SLA watch use the same rule (sla_due_at < now).
 * Unlike analytics it reads the current deadline's flag: a hand-off given to a new owner with a fresh deadline
 * reads as on time until that one is missed.
 */
export function slaBreached(h: SlaFacts, now?: Date): boolean {
  if (h.breachedAt !== null) return true;
  if (h.respondedAt !== null) return h.respondedAt.getTime() > h.slaDueAt.getTime();
  if (h.closedAt !== null) return h.slaDueAt.getTime() < h.closedAt.getTime();
  // Like an answer, a pending hand-off is in time up to and including its deadline instant: missed only after it.
  return now !== undefined && h.slaDueAt.getTime() < now.getTime();
}
