import { DEFAULT_SCORING_MODEL, type ScoringModelDefinition } from './domain/scoring-model.js';
import { planReevaluation, type ReevaluatedLead } from './reevaluation-plan.js';
import { FREE_MAIL_FIT, scoredLead } from './scored-lead.fixture.js';

const NOW = new Date('2026-03-02T10:00:00Z');
/** The default model with the MQL threshold lowered from 50 to 40. */
const LOWER_THRESHOLD: ScoringModelDefinition = { ...DEFAULT_SCORING_MODEL, mql: { ...DEFAULT_SCORING_MODEL.mql, engagementThreshold: 40 } };

/** The fit the default model gives for the need and budget answered (5 points each). */
const NEED_BUDGET_FIT = [
  { ruleId: 'need-known', description: 'Told us their need', points: 5 },
  { ruleId: 'budget-known', description: 'Told us their budget', points: 5 },
];

/**
 * A lead at 45 engagement points (earned just now) who answered two BANT questions: short of the default threshold.
 * Its stored fit is the default model's: free mail (−10), need and budget known (+5 each).
 */
const lead = (overrides: Partial<ReevaluatedLead> = {}) =>
  scoredLead<ReevaluatedLead>({
    qualification: { need: 'website', budget: '10k' },
    engagement_score: 45,
    engagement_as_of: NOW,
    fit_score: 0,
    fit_contributions: [...FREE_MAIL_FIT, ...NEED_BUDGET_FIT],
    ...overrides,
  });

describe('re-evaluating leads under a newly published model', () => {
  it('promotes a lead the lowered threshold now qualifies, by the MQL rule, without touching its unchanged fit', () => {
    const plan = planReevaluation(LOWER_THRESHOLD, [lead()], NOW);
    expect(plan.changes).toEqual([{ leadId: 'lead-1', from: 'lead', to: 'mql', actor: 'scoring', reason: 'mql_rule', eventId: null, at: NOW }]);
    expect(plan.fits).toEqual([]);
    expect(plan.activities).toEqual([expect.objectContaining({ leadId: 'lead-1', stageBefore: 'lead', stageAfter: 'mql', events: [], engagementScore: 45 })]);
  });

  it('changes nothing for a lead the new model judges as the old one did', () => {
    expect(planReevaluation(DEFAULT_SCORING_MODEL, [lead()], NOW)).toEqual({ fits: [], changes: [], activities: [] });
  });

  it('only moves forward: leads past MQL, customers and disqualified leads keep their stage', () => {
    const plan = planReevaluation(
      LOWER_THRESHOLD,
      (['sql', 'customer', 'disqualified', 'mql'] as const).map((stage, i) => lead({ id: `lead-${i}`, stage })),
      NOW,
    );
    expect(plan.changes).toEqual([]);
  });

  it('judges engagement as earned, decayed to now: the ledger is not rescored', () => {
    const sixtyDaysAgo = new Date(NOW.getTime() - 60 * 86_400_000);
    expect(planReevaluation(LOWER_THRESHOLD, [lead({ engagement_as_of: sixtyDaysAgo })], NOW).changes).toEqual([]); // 45 → 11.25
  });

  it('refits a lead a new negative fit rule meets, and one whose rule changed its points or description', () => {
    const rival = { id: 'rival', description: 'Works at a rival', where: [{ field: 'emailDomain', op: 'equals' as const, value: 'rival.be' }], points: -30 };
    const model = { ...DEFAULT_SCORING_MODEL, fitRules: [...DEFAULT_SCORING_MODEL.fitRules, rival] };
    const plan = planReevaluation(model, [lead({ id: 'r', email: 'an@rival.be', fit_score: 10, fit_contributions: NEED_BUDGET_FIT }), lead()], NOW);
    expect(plan.fits).toEqual([{ id: 'r', score: -20, contributions: [...NEED_BUDGET_FIT, { ruleId: 'rival', description: 'Works at a rival', points: -30 }] }]);
    expect(plan.activities.map((a) => [a.leadId, a.stageAfter])).toEqual([['r', 'lead']]);

    const heavier = { ...DEFAULT_SCORING_MODEL, fitRules: DEFAULT_SCORING_MODEL.fitRules.map((r) => (r.id === 'free-mail' ? { ...r, points: -15 } : r)) };
    expect(planReevaluation(heavier, [lead()], NOW).fits).toEqual([
      { id: 'lead-1', score: -5, contributions: [{ ...FREE_MAIL_FIT[0], points: -15 }, ...NEED_BUDGET_FIT] },
    ]);
  });
});
