import type { LeadRow } from '../leads/lead.types.js';
import { decidePromotions, type Promotion } from '../lifecycle/domain/promotion.js';
import type { StageChange } from '../lifecycle/stage-change.js';
import { scoreAt, type ScoreState } from './domain/decay.js';
import { evaluateFit } from './domain/fit.js';
import { mqlEngagement } from './domain/mql-rule.js';
import type { Stage } from './domain/lifecycle.js';
import type { ScoringModelDefinition } from './domain/scoring-model.js';

export interface LeadRefresh {
  fit: { score: number; contributions: { ruleId: string; description: string; points: number }[] };
  /** The automatic moves, in order (a subscriber showing interest: to lead, then perhaps to mql by the rule); none for most. */
  promotions: Promotion[];
}

/**
 * Recomputes a lead's fit score from who it is and decides any automatic stage move, given its
 * engagement state after scoring (and, for a recycled lead, what it earned since, as of that state's moment).
 * Shared by event scoring and lead upserts so both apply one rule.
 */
export function refreshLead(
  lead: Pick<LeadRow, 'email' | 'job_title' | 'company' | 'attributes' | 'qualification' | 'source' | 'stage' | 'recycled_engagement'>,
  engagement: ScoreState,
  model: ScoringModelDefinition,
  now: Date,
  trigger: { highIntentEventId?: string | null; interestEventId?: string | null } = {},
): LeadRefresh {
  const fit = evaluateFit(
    {
      email: lead.email,
      jobTitle: lead.job_title,
      company: lead.company,
      attributes: lead.attributes,
      qualification: lead.qualification,
      source: lead.source,
    },
    model,
  );
  const promotions = decidePromotions(
    {
      stage: lead.stage,
      engagementScore: scoreAt({ value: mqlEngagement(lead.stage, engagement.value, lead.recycled_engagement), asOf: engagement.asOf }, now, model.halfLifeDays),
      fitScore: fit.score,
      qualification: lead.qualification,
      highIntentEventId: trigger.highIntentEventId,
      interestEventId: trigger.interestEventId,
    },
    model.mql,
  );
  return { fit, promotions };
}

/** A refresh's promotions as stage changes by scoring, in order, each from the stage the one before reached. */
export function promotionChanges(leadId: string, from: Stage, promotions: readonly Promotion[], at: Date): StageChange[] {
  let stage = from;
  return promotions.map((p) => {
    const change = { leadId, from: stage, to: p.to, actor: 'scoring', reason: p.reason, eventId: p.eventId, at };
    stage = p.to;
    return change;
  });
}
