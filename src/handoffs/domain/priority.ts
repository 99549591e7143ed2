import { IntentTier } from './intent-tier.js';

export type HandoffPriority = 'high' | 'medium' | 'low';

const PRIORITY_BY_TIER: Record<IntentTier, HandoffPriority> = { high: 'high', medium: 'medium', low: 'low' };
const RANK: Record<HandoffPriority, number> = { high: 0, medium: 1, low: 2 };

/**
 * A hand-off's priority follows the intent tier that made the lead an MQL: a quote request or booked
 * meeting is handled first, a lead that scored its way up through downloads next, newsletter-level interest last.
 */
export function handoffPriority(tier: IntentTier): HandoffPriority {
  return PRIORITY_BY_TIER[tier];
}

/** What a promotion to MQL knows about intent, to set its hand-off's priority (see {@link promotionPriority}). */
export interface PromotionIntent {
  /** Why the lead became an MQL: `high_intent_event`, `mql_rule`, … */
  reason: string;
  /** The tier of the event that promoted the lead (a high-intent promotion), when that event is known. */
  triggerTier: IntentTier | null;
  /** The lead's intent: the highest tier of its own human behaviour of the last 90 days (see leadIntentSql); null when not read. */
  leadIntent: IntentTier | null;
}

/**
 * The priority of the hand-off a promotion to MQL creates (PRODUCT: "On MQL a hand-off is created: priority from
 * intent"). A high-intent event promotes at once and sets the priority by its own type's tier (a quote request:
 * high; high when the event is not known, as it promoted as one). Any other promotion (the MQL rule on ingest, on
 * tracking, on a re-evaluation or after a program's update step) takes the lead's intent: a lead who scored its way
 * up through downloads or webinars is medium, one with only newsletter-level behaviour (or none) in the last 90 days
 * low. A program's hand-off step does not come here: it sets its own priority.
 */
export function promotionPriority(p: PromotionIntent): HandoffPriority {
  if (p.reason === 'high_intent_event') return p.triggerTier ? handoffPriority(p.triggerTier) : 'high';
  return handoffPriority(p.leadIntent ?? 'low');
}

/** Sort order for the sales queue: high before medium before low. */
export function compareHandoffPriority(a: HandoffPriority, b: HandoffPriority): number {
  return RANK[a] - RANK[b];
}
