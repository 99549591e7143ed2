import type { ScoredLead } from './scoring-plan.js';

/** The fit the default model gives a lead with a free-mail address and nothing else known. */
export const FREE_MAIL_FIT = [{ ruleId: 'free-mail', description: 'Uses a free email address, not a company one', points: -10 }];

/** A lead as scoring reads it, for the scoring specs: an@gmail.com at stage lead, fitted by model version 1. */
export function scoredLead<T extends ScoredLead = ScoredLead>(overrides: Partial<T> = {}): T {
  return {
    id: 'lead-1',
    email: 'an@gmail.com',
    job_title: null,
    company: null,
    attributes: {},
    qualification: {},
    source: {},
    stage: 'lead',
    engagement_score: 4,
    engagement_as_of: new Date('2026-03-01T10:00:00Z'),
    fit_contributions: FREE_MAIL_FIT,
    fit_model_version: 1,
    recycled_at: null,
    recycled_engagement: null,
    ...overrides,
  } as T;
}
