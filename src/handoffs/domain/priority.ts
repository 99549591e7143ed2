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

/** Sort order for the sales queue: high before medium before low. */
export function compareHandoffPriority(a: HandoffPriority, b: HandoffPriority): number {
  return RANK[a] - RANK[b];
}
