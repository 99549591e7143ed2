import { emailDomainOf, evaluateFit, type LeadFitFacts } from './fit.js';
import { DEFAULT_SCORING_MODEL } from './scoring-model.js';

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
