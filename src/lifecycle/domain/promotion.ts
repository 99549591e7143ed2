import { canAutoAdvance, promotesOnHighIntent, type Stage } from '../../scoring/domain/lifecycle.js';
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
 * Decides the automatic lifecycle move after a lead's scores or facts changed. Moves only go forward; a high-intent
 * event promotes to MQL at once (a subscriber too: see promotesOnHighIntent); otherwise the MQL rule decides, for a
 * lead or a recycled lead, never for a subscriber (nurture only, never a sales lead); a subscriber who shows real
 * interest becomes a lead. See {@link decidePromotions} for the rule applied to that new lead.
 */
export function decidePromotion(input: PromotionInput, rule: MqlRuleConfig): Promotion | null {
  if (input.highIntentEventId && promotesOnHighIntent(input.stage)) {
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

/**
 * Every automatic move, in order: {@link decidePromotion}'s, and when that made a subscriber a lead, the MQL rule
 * applied to the lead it now is (as a subscriber turned lead by a form fill is, in the same upsert): a subscriber
 * with the score and answers who downloads a guide is a lead, then an MQL, each move recorded with its reason.
 */
export function decidePromotions(input: PromotionInput, rule: MqlRuleConfig): Promotion[] {
  const first = decidePromotion(input, rule);
  if (!first) return [];
  if (first.to !== 'lead') return [first];
  const then = decidePromotion({ ...input, stage: 'lead', highIntentEventId: null, interestEventId: null }, rule);
  return then ? [first, then] : [first];
}
