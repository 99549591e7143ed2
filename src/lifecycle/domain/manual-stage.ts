import type { Stage } from '../../scoring/domain/lifecycle.js';

/**
 * The stages a person (a CRM, a marketer) may set by hand: customer (an existing customer, or a deal won outside
 * sales' hand-offs), disqualified (spam, a competitor, a bad fit: never nurtured again), and lead (a lead
 * disqualified or recycled by mistake, or a subscriber, taken back into nurture). Not mql, which the MQL rule and
 * high-intent events decide (a program's hand-off step hands a lead to sales by hand), and not sql or
 * opportunity, which sales own through hand-offs.
 */
export const MANUAL_STAGES = ['lead', 'customer', 'disqualified'] as const satisfies readonly Stage[];
export type ManualStage = (typeof MANUAL_STAGES)[number];

/** Stages a lead is taken back to `lead` from. */
const REOPENED_FROM: readonly Stage[] = ['subscriber', 'recycled', 'disqualified'];

/**
 * Why a lead at `from` may not be set to `to` by hand, or null when it may. `salesHandoff` is the status of the
 * lead's hand-off that sales accepted and still work on (accepted or opportunity), if any: such a lead is
 * sales', moved only by the hand-off's outcome. (A pending hand-off does not hold a lead: it is closed by the move.)
 */
export function manualMoveProblem(from: Stage, to: ManualStage, salesHandoff: { id: string; status: string } | null): string | null {
  if (salesHandoff) {
    return `sales accepted the lead (hand-off ${salesHandoff.id} is ${salesHandoff.status}): report the outcome of the hand-off (won, lost) instead`;
  }
  if (from === 'sql' || from === 'opportunity') return `sales own a lead at ${from}: report the outcome of its hand-off instead`;
  if (to === 'lead' && !REOPENED_FROM.includes(from)) {
    return `a lead at ${from} cannot go back to lead (only a subscriber, a recycled or a disqualified lead is taken back into nurture)`;
  }
  return null;
}
