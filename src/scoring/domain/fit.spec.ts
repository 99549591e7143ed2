import { emailDomainOf, evaluateFit, type LeadFitFacts } from './fit.js';
import { isKnown } from './mql-rule.js';
import { DEFAULT_SCORING_MODEL, type ScoringModelDefinition } from './scoring-model.js';

const model = DEFAULT_SCORING_MODEL;

function lead(overrides: Partial<LeadFitFacts> = {}): LeadFitFacts {
  return { email: 'ann@acme.be', jobTitle: 'Operations manager', company: 'Acme', attributes: {}, qualification: {}, source: {}, ...overrides };
}

const ruleIds = (l: LeadFitFacts) => evaluateFit(l, model).contributions.map((c) => c.ruleId);

describe('fit score', () => {
  it('rewards the decision-maker at a company of ten or more', () => {
    const result = evaluateFit(lead({ qualification: { authority: 'decision_maker' }, attributes: { employees: 40 } }), model);
    expect(result.score).toBe(25);
    expect(result.contributions).toEqual([
      { ruleId: 'decision-maker', description: 'Is the decision-maker', points: 15 },
      { ruleId: 'ten-or-more-employees', description: 'Company has 10 or more employees', points: 10 },
    ]);
  });

  it('is zero for a lead about whom nothing is known', () => {
    expect(evaluateFit(lead(), model)).toEqual({ score: 0, contributions: [] });
  });

  it('takes points off for a free-mail address, whatever its case', () => {
    expect(ruleIds(lead({ email: 'Ann.Peeters@GMAIL.com' }))).toEqual(['free-mail']);
    expect(ruleIds(lead({ email: 'jan@telenet.be' }))).toEqual(['free-mail']);
    expect(evaluateFit(lead({ email: 'jan@hotmail.com' }), model).score).toBe(-10);
  });

  it('takes points off for a student', () => {
    const result = evaluateFit(lead({ jobTitle: 'Werkstudent marketing' }), model);
    expect(result.contributions.map((c) => c.ruleId)).toEqual(['student']);
    expect(result.score).toBe(-20);
  });

  it('takes many points off for a competitor', () => {
    expect(evaluateFit(lead({ attributes: { competitor: true, employees: 200 } }), model).score).toBe(-50 + 10);
  });

  it('adds up several negatives: a student on gmail', () => {
    expect(evaluateFit(lead({ email: 'kim@gmail.com', jobTitle: 'Student' }), model).score).toBe(-30);
  });

  it('rewards each of need, budget and timeline once known, 5 points each, and explains each', () => {
    const result = evaluateFit(lead({ qualification: { need: 'Automate invoicing', budget: '€10k', timeline: 'Q3' } }), model);
    expect(result.contributions).toEqual([
      { ruleId: 'need-known', description: 'Told us their need', points: 5 },
      { ruleId: 'budget-known', description: 'Told us their budget', points: 5 },
      { ruleId: 'timeline-known', description: 'Told us their timeline', points: 5 },
    ]);
    expect(result.score).toBe(15);
    expect(ruleIds(lead({ qualification: { budget: 'none yet' } }))).toEqual(['budget-known']);
    // Authority is judged, not counted: only decision_maker earns points for it.
    expect(ruleIds(lead({ qualification: { authority: 'influencer', need: 'CRM' } }))).toEqual(['need-known']);
  });

  it('gives the full BANT: a decision-maker with need, budget and timeline known', () => {
    const qualification = { need: 'CRM', budget: '5000', timeline: 'this quarter', authority: 'decision_maker' };
    expect(evaluateFit(lead({ qualification }), model).score).toBe(15 + 5 + 5 + 5);
  });

  it('counts an answer as known exactly when the MQL rule does', () => {
    const answers: unknown[] = ['Q3', 'unknown', 'Unknown', 'UNKNOWN', ' unknown ', '\tUnknown\n', '', '   ', null, 12, 0, true, false];
    for (const answer of answers) {
      const qualification = { timeline: answer };
      const counted = ruleIds(lead({ qualification })).includes('timeline-known');
      expect({ answer, counted }).toEqual({ answer, counted: isKnown(qualification, 'timeline') });
    }
    expect(ruleIds(lead({ qualification: {} }))).toEqual([]);
  });

  it('reads the answers trimmed, and an unknown one as absent, whatever the rule', () => {
    expect(ruleIds(lead({ qualification: { authority: ' decision_maker ' } }))).toEqual(['decision-maker']);
    const asked: ScoringModelDefinition = {
      ...model,
      fitRules: [{ id: 'budget-not-known', description: 'Budget not known', where: [{ field: 'qualification.budget', op: 'exists', value: false }], points: -5 }],
    };
    const budgetNotKnown = (budget: unknown) => evaluateFit(lead({ qualification: { budget } }), asked).score === -5;
    expect([' unknown ', 'UNKNOWN', '  ', null, '5k', ' 5k '].map(budgetNotKnown)).toEqual([true, true, true, true, false, false]);
  });

  it("rewards a lead in the sender's market (BE, NL, LU), read as hand-off territories read attributes.country", () => {
    for (const country of ['BE', 'NL', 'LU', 'be', ' nl ', 'Lu']) {
      expect({ country, fit: evaluateFit(lead({ attributes: { country } }), model) }).toEqual({
        country,
        fit: { score: 10, contributions: [{ ruleId: 'home-market', description: 'Based in Belgium, the Netherlands or Luxembourg', points: 10 }] },
      });
    }
    for (const country of ['DE', 'FR', 'Belgium', 'BEL', '', null, 32]) {
      expect({ country, ids: ruleIds(lead({ attributes: { country } })) }).toEqual({ country, ids: [] });
    }
  });

  it('adds up the defaults for a good Belgian lead', () => {
    const good = lead({ attributes: { country: 'BE', employees: 40 }, qualification: { authority: 'decision_maker', need: 'CRM' } });
    expect(ruleIds(good)).toEqual(['decision-maker', 'ten-or-more-employees', 'need-known', 'home-market']);
    expect(evaluateFit(good, model).score).toBe(15 + 5 + 10 + 10);
  });

  it('lets rules test country, company and source', () => {
    const custom = {
      ...model,
      fitRules: [
        { id: 'benelux', description: 'Based in the Benelux', where: [{ field: 'country', op: 'in' as const, value: ['BE', 'NL', 'LU'] }], points: 5 },
        { id: 'google-ads', description: 'Came from Google Ads', where: [{ field: 'source.channel', op: 'equals' as const, value: 'google' }], points: 2 },
        { id: 'named-company', description: 'Told us the company', where: [{ field: 'company', op: 'exists' as const }], points: 1 },
      ],
    };
    const result = evaluateFit(lead({ attributes: { country: 'be' }, source: { channel: 'Google' } }), custom);
    expect(result.contributions.map((c) => c.ruleId)).toEqual(['benelux', 'google-ads', 'named-company']);
    expect(evaluateFit(lead({ company: null }), custom).score).toBe(0);
  });

  it('derives the email domain from the address', () => {
    expect(emailDomainOf(' Ann@Sub.Acme.BE ')).toBe('sub.acme.be');
    expect(emailDomainOf('not-an-address')).toBeNull();
    expect(emailDomainOf('ann@')).toBeNull();
  });
});
