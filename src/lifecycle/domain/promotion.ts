import { canAutoAdvance, type Stage } from '../../scoring/domain/lifecycle.js';
import { mqlRuleMet } from '../../scoring/domain/mql-rule.js';
import type { MqlRuleConfig } from '../../scoring/domain/scoring-model.js';

export interface PromotionInput {
  stage: Stage;
  engagementScore: number;
  fitScore: number;
  qualification: Record<string, unknown>;
  /** The first human high-intent event just scored (quote, meeting, contact request), if any. */
  highIntentEventId?: string | null;
  /** The first medium- or high-intent event just scored, if any. */
  interestEventId?: string | null;
}

export interface Promotion {
  to: Stage;
  reason: 'high_intent_event' | 'mql_rule' | 'showed_interest';
  eventId: string | null;
}

/**
 * Decides the automatic lifecycle move after a lead's scores or facts changed. Moves only go
 * forward; a high-intent event promotes to MQL at once; otherwise the MQL rule decides; a
 * subscriber who shows real interest becomes a lead.
 */
export function decidePromotion(input: PromotionInput, rule: MqlRuleConfig): Promotion | null {
  if (input.highIntentEventId && canAutoAdvance(input.stage, 'mql')) {
    return { to: 'mql', reason: 'high_intent_event', eventId: input.highIntentEventId };
  }
  if (canAutoAdvance(input.stage, 'mql')) {
    if (mqlRuleMet(input, rule)) return { to: 'mql', reason: 'mql_rule', eventId: null };
  }
  if (input.interestEventId && input.stage === 'subscriber' && canAutoAdvance('subscriber', 'lead')) {
    return { to: 'lead', reason: 'showed_interest', eventId: input.interestEventId };
  }
  return null;
}
