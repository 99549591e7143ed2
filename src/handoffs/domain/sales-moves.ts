import { DomainError } from '../../common/domain-error.js';
import type { Stage } from '../../scoring/domain/lifecycle.js';

/**
 * Where a hand-off is in sales' hands. A missed SLA is a flag on a pending hand-off, not a status. `expired`: sales
 * never took it up and its lead went cold (MQL_COLD_AFTER_DAYS without engagement), so the system recycled the lead.
 */
export const HANDOFF_STATUSES = ['pending', 'accepted', 'rejected', 'opportunity', 'won', 'lost', 'expired'] as const;
export type HandoffStatus = (typeof HANDOFF_STATUSES)[number];

/** Statuses of an open hand-off: a lead has at most one of these at a time. */
export const OPEN_HANDOFF_STATUSES: readonly HandoffStatus[] = ['pending', 'accepted', 'opportunity'];

export const REJECT_REASONS = ['no_budget', 'bad_fit', 'unreachable', 'duplicate', 'not_now', 'other'] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export const OUTCOMES = ['opportunity', 'won', 'lost'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/**
 * Statuses of a hand-off sales accepted: `accepted` until they report an outcome, then the outcome's status. Only
 * accepting leads to them (see salesMove), so the status alone says the hand-off was accepted.
 */
export const ACCEPTED_HANDOFF_STATUSES: readonly HandoffStatus[] = ['accepted', ...OUTCOMES];

/** The outcome sales reported on a hand-off, read from its status; null when they reported none (yet). */
export function handoffOutcome(status: HandoffStatus): Outcome | null {
  return (OUTCOMES as readonly string[]).includes(status) ? (status as Outcome) : null;
}

/** What the hand-off list filters by outcome: one sales reported (OUTCOMES), or `none` reported (yet). */
export const OUTCOME_FILTERS = ['none', ...OUTCOMES] as const;
export type OutcomeFilter = (typeof OUTCOME_FILTERS)[number];

/**
 * The statuses of hand-offs whose outcome, as handoffOutcome reads it (`none` for null), is one of `outcomes`: the list
 * filters by the status, so that what it selects is what each listed hand-off's `outcome` says. `none` holds pending,
 * rejected and expired hand-offs too; with the accepted ones only, it is the accepted hand-offs with nothing reported yet (sales' open pipeline adds `opportunity`).
 */
export function statusesWithOutcome(outcomes: readonly OutcomeFilter[]): HandoffStatus[] {
  return HANDOFF_STATUSES.filter((s) => outcomes.includes(handoffOutcome(s) ?? 'none'));
}

const EXPIRED = 'The hand-off expired: sales did not take it up and the lead went cold, so it was recycled; it takes no answer any more.';

export type SalesAction = { kind: 'accept' } | { kind: 'reject'; disqualify: boolean } | { kind: 'outcome'; outcome: Outcome };

/** The hand-off's next status and the lifecycle stage its lead moves to. */
export interface SalesMove {
  status: HandoffStatus;
  stage: Stage;
}

/**
 * What sales' answer does, or a conflict when the hand-off cannot take it:
 * - accept: pending → accepted, lead → sql;
 * - reject: pending → rejected, lead → recycled (back to long-term nurture) or disqualified;
 * - outcome opportunity: accepted → opportunity, lead → opportunity;
 * - outcome won: accepted or opportunity → won, lead → customer;
 * - outcome lost: accepted or opportunity → lost, lead → recycled (a lost deal often buys later).
 * Won, lost, rejected and expired are final. A breached (late) hand-off can still be answered.
 */
export function salesMove(current: HandoffStatus, action: SalesAction): SalesMove {
  if (current === 'expired') throw DomainError.conflict(EXPIRED);
  switch (action.kind) {
    case 'accept':
      if (current === 'pending') return { status: 'accepted', stage: 'sql' };
      throw DomainError.conflict(current === 'rejected' ? 'The hand-off was rejected; it cannot be accepted any more.' : `The hand-off is already ${current}.`);
    case 'reject':
      if (current === 'pending') return { status: 'rejected', stage: action.disqualify ? 'disqualified' : 'recycled' };
      if (current === 'rejected') throw DomainError.conflict('The hand-off is already rejected.');
      throw DomainError.conflict(`The hand-off was already accepted (now ${current}); report the outcome "lost" instead of rejecting it.`);
    case 'outcome':
      return outcomeMove(current, action.outcome);
  }
}

function outcomeMove(current: HandoffStatus, outcome: Outcome): SalesMove {
  if (current === 'pending') throw DomainError.conflict('Accept the hand-off before reporting an outcome.');
  if (current === 'rejected') throw DomainError.conflict('The hand-off was rejected; it has no outcome.');
  if (current === 'won' || current === 'lost') throw DomainError.conflict(`The hand-off is closed (${current}); its outcome cannot change.`);
  if (outcome === 'opportunity') {
    if (current === 'opportunity') throw DomainError.conflict('The hand-off is already an opportunity.');
    return { status: 'opportunity', stage: 'opportunity' };
  }
  return outcome === 'won' ? { status: 'won', stage: 'customer' } : { status: 'lost', stage: 'recycled' };
}
