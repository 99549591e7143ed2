/**
 * Why the system (not sales) closed a hand-off that was still waiting for an answer, as its `closeReason` and its
 * `handoff.closed` webhook say:
 * - went_cold: the lead went cold (MQL_COLD_AFTER_DAYS without engagement) and was recycled; the hand-off is `expired`;
 * - disqualified / customer: the lead was set to that stage by hand (PATCH /leads/{id}); the hand-off is `rejected`;
 * - erased: the lead was erased (GDPR); the hand-off is `rejected`.
 * Sales' own answers (accept, reject, outcome) are not closures: sales know, they gave them.
 */
export const HANDOFF_CLOSE_REASONS = ['went_cold', 'disqualified', 'customer', 'erased'] as const;
export type HandoffCloseReason = (typeof HANDOFF_CLOSE_REASONS)[number];

/** The close reason of a pending hand-off whose lead is set by hand to `stage`. */
export function manualStageCloseReason(stage: 'customer' | 'disqualified'): HandoffCloseReason {
  return stage;
}

/** What decides whether a hand-off missed its SLA. */
export interface SlaFacts {
  slaDueAt: Date;
  /** When the SLA watch flagged the current deadline as missed (cleared when a new owner gets a fresh one). */
  breachedAt: Date | null;
  /** Sales' answer (or the time the system closed it as answered: a lead set by hand or erased). */
  respondedAt: Date | null;
}

/**
 * Whether a hand-off missed its SLA, whatever its status, as analytics' SLA compliance counts it
 * (funnel-queries.ts): one flagged by the watch did; one answered did when the answer came after the deadline;
 * one never answered (pending, or expired because its lead went cold) did once the deadline passed (`now`; without
 * `now`, as in a webhook written by the watch, only a flagged one or a late answer reads as missed).
 */
export function slaBreached(h: SlaFacts, now?: Date): boolean {
  if (h.breachedAt !== null) return true;
  if (h.respondedAt !== null) return h.respondedAt.getTime() > h.slaDueAt.getTime();
  return now !== undefined && h.slaDueAt.getTime() <= now.getTime();
}
