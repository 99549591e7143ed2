import type { LeadActivity } from '../lifecycle/lead-activity.js';
import type { StageChange } from '../lifecycle/stage-change.js';
import { scoreAt, type FitContribution, type ScoringModelDefinition } from './domain/index.js';
import { promotionChanges, refreshLead } from './lead-refresh.js';
import type { ScoredLead } from './scoring-plan.js';

/** A lead as a re-evaluation reads it: what scoring reads, with its stored fit score. */
export type ReevaluatedLead = ScoredLead & { fit_score: number };

/** What re-evaluating a batch of leads under a newly published model writes. */
export interface ReevaluationPlan {
  /** Leads whose fit changed under the new fit rules (the others keep theirs). */
  fits: { id: string; score: number; contributions: FitContribution[] }[];
  /** Promotions the MQL rule now decides (forward only, as every automatic move). */
  changes: StageChange[];
  /** The activity of every lead whose fit or stage changed, for nurture to react to. */
  activities: LeadActivity[];
}

/**
 * Re-evaluates leads under a newly published model, with no new activity of theirs: recomputes each one's fit
 * with the new fit rules and applies the MQL rule to its engagement as earned (decayed to `now`; the ledger is
 * history and is not rescored). Pure; ScoringReevaluationService writes the plan.
 */
export function planReevaluation(model: ScoringModelDefinition, leads: ReevaluatedLead[], now: Date): ReevaluationPlan {
  const plan: ReevaluationPlan = { fits: [], changes: [], activities: [] };
  for (const lead of leads) {
    const engagement = { value: lead.engagement_score, asOf: lead.engagement_as_of };
    const { fit, promotions } = refreshLead(lead, engagement, model, now);
    const fitChanged = !sameFit(lead, fit.score, fit.contributions);
    if (fitChanged) plan.fits.push({ id: lead.id, score: fit.score, contributions: fit.contributions });
    plan.changes.push(...promotionChanges(lead.id, lead.stage, promotions, now));
    if (!fitChanged && !promotions.length) continue;
    const engagementScore = scoreAt(engagement, now, model.halfLifeDays);
    const stageAfter = promotions.at(-1)?.to ?? lead.stage;
    plan.activities.push({ leadId: lead.id, at: now, created: false, stageBefore: lead.stage, stageAfter, events: [], engagementScore });
  }
  return plan;
}

/** Whether the stored fit is the one just computed: the same score and the same rules met, with the same points and descriptions, in order. */
function sameFit(lead: ReevaluatedLead, score: number, contributions: FitContribution[]): boolean {
  const stored = lead.fit_contributions;
  if (lead.fit_score !== score || !Array.isArray(stored) || stored.length !== contributions.length) return false;
  return contributions.every((c, i) => stored[i]?.ruleId === c.ruleId && stored[i].points === c.points && stored[i].description === c.description);
}
