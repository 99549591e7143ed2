import { DEFAULT_SCORING_MODEL, type ScoringModelDefinition } from './domain/scoring-model.js';
import { planScoring, type ScoredLead, type StoredEvent } from './scoring-plan.js';

const NOW = new Date('2026-03-02T10:00:00Z');
const model = DEFAULT_SCORING_MODEL;
const FREE_MAIL = [{ ruleId: 'free-mail', description: 'Uses a free email address, not a company one', points: -10 }];

function lead(overrides: Partial<ScoredLead> = {}): ScoredLead {
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
    fit_contributions: FREE_MAIL,
    fit_model_version: 1,
    ...overrides,
  };
}

let seq = 0;
function event(type: string, minutesAgo = 1): StoredEvent {
  seq += 1;
  return { id: `evt-${seq}`, lead_id: 'lead-1', type, occurred_at: new Date(NOW.getTime() - minutesAgo * 60_000), properties: {}, machine: false };
}

/** Three opens already scored this week: a fourth earns nothing (the default cap). */
const capped = new Map([['lead-1', [1, 2, 3].map((h) => ({ ruleId: 'email-opened', occurredAt: new Date(NOW.getTime() - h * 3_600_000) }))]]);

describe('planning a scoring batch', () => {
  it('leaves a lead alone when nothing of it changes: no points earned, same fit rules, same model version', () => {
    const plan = planScoring(model, [lead()], [event('email_opened')], capped, NOW, 1);
    expect(plan.updates).toEqual([]);
    expect(plan.ledgerRows).toEqual([]);
    expect(plan.activities).toHaveLength(1); // programs still hear of the open
    expect(plan.activities[0].events.map((e) => e.type)).toEqual(['email_opened']);
  });

  it('writes the new engagement but not the unchanged fit when points are earned', () => {
    const plan = planScoring(model, [lead()], [event('email_opened')], new Map(), NOW, 1);
    expect(plan.ledgerRows.map((r) => [r.ruleId, r.points])).toEqual([['email-opened', 1]]);
    expect(plan.updates).toHaveLength(1);
    expect(plan.updates[0]).not.toHaveProperty('fit');
    expect(plan.updates[0]).not.toHaveProperty('fitContributions');
    expect(plan.updates[0].engagement).toBeGreaterThan(4);
  });

  it('writes the fit when the model version changed, even when no points are earned', () => {
    const plan = planScoring(model, [lead()], [event('email_opened')], capped, NOW, 2);
    expect(plan.updates).toEqual([
      { id: 'lead-1', engagement: 4, asOf: new Date('2026-03-01T10:00:00Z'), fit: -10, fitContributions: FREE_MAIL },
    ]);
  });

  it('writes the fit when other rules are met than the stored ones', () => {
    const company = planScoring(model, [lead({ email: 'an@bakkerij.be' })], [event('email_opened')], capped, NOW, 1);
    expect(company.updates).toEqual([expect.objectContaining({ fit: 0, fitContributions: [] })]);
    const student = planScoring(model, [lead({ job_title: 'Student' })], [event('email_opened')], capped, NOW, 1);
    expect(student.updates[0].fitContributions).toEqual([
      { ruleId: 'student', description: 'Job title says student', points: -20 },
      ...FREE_MAIL,
    ]);
  });

  it('writes the fit when the stored fit is unknown or was never computed', () => {
    for (const stored of [{ fit_contributions: undefined }, { fit_model_version: null }, { fit_model_version: undefined }]) {
      const plan = planScoring(model, [lead(stored)], [event('email_opened')], capped, NOW, 1);
      expect(plan.updates).toEqual([expect.objectContaining({ fit: -10, fitContributions: FREE_MAIL })]);
    }
  });

  it('always writes the fit when the caller does not name the model version', () => {
    const plan = planScoring(model, [lead()], [event('email_opened')], capped, NOW);
    expect(plan.updates).toEqual([expect.objectContaining({ fit: -10, fitContributions: FREE_MAIL })]);
  });

  it('compares the rules met in order, so a reordered model version is written again', () => {
    const reordered: ScoringModelDefinition = { ...model, fitRules: [...model.fitRules].reverse() };
    const stored = [{ ruleId: 'student', description: 'x', points: -20 }, ...FREE_MAIL];
    const plan = planScoring(reordered, [lead({ job_title: 'Student', fit_contributions: stored })], [event('email_opened')], capped, NOW, 1);
    expect(plan.updates[0].fitContributions).toEqual([FREE_MAIL[0], { ruleId: 'student', description: 'Job title says student', points: -20 }]);
  });
});
