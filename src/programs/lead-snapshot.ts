import { decidePromotion } from '../lifecycle/domain/promotion.js';
import { evaluateFit } from '../scoring/domain/fit.js';
import { mqlEngagement } from '../scoring/domain/mql-rule.js';
import { isStage } from '../scoring/domain/lifecycle.js';
import type { ScoringModelDefinition } from '../scoring/domain/scoring-model.js';
import type { LeadSnapshot } from './domain/lead-facts.js';
import { leadContactOf, type LeadContactRow } from '../leads/lead-contact.js';

/**
 * Lead columns the interpreter reads, selected from `leads l`: only those {@link leadSnapshotOf}
 * uses (the scheduler receives them for every enrollment it runs, and each column costs the driver).
 */
export const LEAD_SNAPSHOT_COLUMNS = `l.stage, l.email, l.first_name, l.last_name, l.company, l.job_title, l.phone,
  l.locale, l.timezone, l.attributes, l.qualification, l.source, l.engagement_score, l.engagement_as_of, l.fit_score, l.recycled_engagement`;

export interface LeadSnapshotRow extends LeadContactRow {
  stage: string;
  attributes: Record<string, unknown>;
  qualification: Record<string, unknown>;
  source: Record<string, unknown>;
  engagement_score: number;
  engagement_as_of: Date;
  fit_score: number;
  recycled_engagement: number | null;
}

/** The lead as conditions see it; `engagementScore` (and `engagementSinceRecycled`, when given) decayed to now. */
export function leadSnapshotOf(row: LeadSnapshotRow, engagementScore: number, engagementSinceRecycled?: number): LeadSnapshot {
  return {
    stage: row.stage,
    engagementScore,
    ...(engagementSinceRecycled !== undefined && { engagementSinceRecycled }),
    fitScore: row.fit_score,
    ...leadContactOf(row),
    attributes: row.attributes ?? {},
    qualification: row.qualification ?? {},
    source: row.source ?? {},
  };
}

/**
 * The lead after an update_lead step changed it, as it is stored (see refreshLead): fit score re-evaluated and
 * an automatic promotion (the MQL rule) applied. For the steps after it in the same run, and for simulations.
 */
export function refreshedSnapshot(lead: LeadSnapshot, model: ScoringModelDefinition): LeadSnapshot {
  const fit = evaluateFit({ ...lead, email: lead.email ?? '' }, model);
  const promotion = isStage(lead.stage)
    ? decidePromotion(
        {
          stage: lead.stage,
          engagementScore: mqlEngagement(lead.stage, lead.engagementScore, lead.engagementSinceRecycled),
          fitScore: fit.score,
          qualification: lead.qualification,
        },
        model.mql,
      )
    : null;
  return { ...lead, fitScore: fit.score, stage: promotion?.to ?? lead.stage };
}
