import type { IntentTier, ScoringModelDefinition } from './domain/index.js';

/** How far back a lead's behaviour counts for its intent (days). */
export const INTENT_LOOKBACK_DAYS = 90;

/** The parameters {@link leadIntentSql} reads: the model's high and medium event types, and from when. */
export interface IntentParams {
  high: string[];
  medium: string[];
  since: string;
}

/**
 * A lead's intent, for templates (`{{#ifEq intent "high"}}`) and for the priority of the hand-off the MQL rule's
 * promotion creates (HandoffRequestsConsumer): the highest intent tier (per the scoring model)
 * among the lead's own, human behaviour events of the last INTENT_LOOKBACK_DAYS; `low` without any. Machine
 * events (privacy proxies, link scanners) show no intent, as they score nothing.
 */
export function intentParams(model: Pick<ScoringModelDefinition, 'intentTiers'>, now: Date): IntentParams {
  const typesOf = (tier: IntentTier) => Object.entries(model.intentTiers).filter(([, t]) => t === tier).map(([type]) => type);
  return { high: typesOf('high'), medium: typesOf('medium'), since: new Date(now.getTime() - INTENT_LOOKBACK_DAYS * 86_400_000).toISOString() };
}

/**
 * SQL for {@link intentParams}' tier of the lead whose id is `leadId` (a column or expression; NULL gives NULL),
 * with the parameters' placeholders (`$2`, …) for the high types, the medium types and the start. One pass over
 * the lead's events of the period (the `events_lead_time` index), whichever tier it finds.
 */
export function leadIntentSql(leadId: string, p: { high: string; medium: string; since: string }): string {
  return `CASE WHEN ${leadId} IS NULL THEN NULL ELSE coalesce(
    (SELECT CASE WHEN bool_or(ev.type = ANY(${p.high}::text[])) THEN 'high' ELSE 'medium' END
       FROM events ev
      WHERE ev.lead_id = ${leadId} AND ev.occurred_at >= ${p.since}::timestamptz AND NOT ev.machine
        AND (ev.type = ANY(${p.high}::text[]) OR ev.type = ANY(${p.medium}::text[]))
     HAVING count(*) > 0), 'low') END`;
}
