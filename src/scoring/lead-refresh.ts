import type { EntityManager } from 'typeorm';
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

/**
 * {@link refreshLead} for one stored lead, its new fit written to the row (with the model version that gave it), in the
 * caller's transaction; returns the row as it now is and the promotions still to apply (see promotionChanges). For a
 * lead refreshed outside scoring: an upsert, a stage set by hand.
 */
export async function refreshStoredLead(
  m: EntityManager,
  lead: LeadRow,
  engagement: ScoreState,
  model: { version: number; definition: ScoringModelDefinition },
  now: Date,
): Promise<{ lead: LeadRow; promotions: Promotion[] }> {
  const { fit, promotions } = refreshLead(lead, engagement, model.definition, now);
  const [row]: LeadRow[] = await m.query(
    `WITH u AS (UPDATE leads SET fit_score = $2, fit_contributions = $3, fit_model_version = $4 WHERE id = $1 RETURNING *) SELECT * FROM u`,
    [lead.id, fit.score, JSON.stringify(fit.contributions), model.version],
  );
  return { lead: row, promotions };
}

/** A refresh's promotions as stage changes by scoring, in order, each from the stage the one before reached. */
export function promotionChanges(leadId: string, from: Stage, promotions: readonly Promotion[], at: Date): (StageChange & { from: Stage })[] {
  let stage = from;
  return promotions.map((p) => {
    const change = { leadId, from: stage, to: p.to, actor: 'scoring', reason: p.reason, eventId: p.eventId, at };
    stage = p.to;
    return change;
  });
}
