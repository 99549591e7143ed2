import fc from 'fast-check';
import { evaluateMqlRule, isKnown, mqlEngagement, mqlRuleMet } from './mql-rule.js';
import { DEFAULT_SCORING_MODEL, type MqlRuleConfig } from './scoring-model.js';
import type { QualificationField } from './scoring-model.types.js';

const rule = DEFAULT_SCORING_MODEL.mql;

describe('the MQL rule', () => {
  it('is met by a lead with engagement 50 or more and two qualification answers known', () => {
    const result = evaluateMqlRule({ engagementScore: 50, fitScore: 0, qualification: { need: 'CRM migration', budget: 20000 } }, rule);
    expect(result.met).toBe(true);
    expect(result.missing).toEqual([]);
    expect(result.conditions.map((c) => [c.id, c.met, c.required, c.actual])).toEqual([
      ['engagement', true, 50, 50],
      ['qualification', true, 2, 2],
    ]);
  });

  it('says what is missing, in words sales can read', () => {
    const result = evaluateMqlRule({ engagementScore: 32.5, fitScore: 0, qualification: { need: 'faster invoicing' } }, rule);
    expect(result.met).toBe(false);
    expect(result.missing).toEqual([
      'engagement score 50 or more (now 32.5)',
      '2 of need, timeline, budget, authority known (now 1: need)',
    ]);
  });

  it('never shows a score just under the threshold as reaching it', () => {
    const result = evaluateMqlRule({ engagementScore: 49.99, fitScore: 0, qualification: { need: 'x', budget: 'y' } }, rule);
    expect(result.met).toBe(false);
    expect(result.missing).toEqual(['engagement score 50 or more (now 49.9)']);
  });

  it('is not met by a hot lead about whom nothing is known', () => {
    const result = evaluateMqlRule({ engagementScore: 120, fitScore: 0, qualification: { need: 'unknown', budget: '', timeline: null } }, rule);
    expect(result.met).toBe(false);
    expect(result.missing).toEqual(['2 of need, timeline, budget, authority known (now 0)']);
  });

  it('asks for a minimum fit score only when the model sets one', () => {
    const withFit: MqlRuleConfig = { ...rule, minFitScore: 20 };
    const input = { engagementScore: 80, fitScore: 5, qualification: { authority: 'decision_maker', timeline: 'Q3' } };
    expect(evaluateMqlRule(input, rule).met).toBe(true);
    const result = evaluateMqlRule(input, withFit);
    expect(result.met).toBe(false);
    expect(result.conditions.find((c) => c.id === 'fit')).toEqual({ id: 'fit', met: false, description: 'fit score 20 or more', required: 20, actual: 5 });
    expect(result.missing).toEqual(['fit score 20 or more (now 5)']);
  });

  it('counts only the configured qualification fields', () => {
    const needAndBudget: MqlRuleConfig = { ...rule, qualificationFields: ['need', 'budget'], minQualificationKnown: 2 };
    const result = evaluateMqlRule({ engagementScore: 60, fitScore: 0, qualification: { need: 'yes', authority: 'cfo' } }, needAndBudget);
    expect(result.missing).toEqual(['2 of need, budget known (now 1: need)']);
  });

  it('treats answers as known when they are real: text other than "unknown", numbers, yes/no', () => {
    const q = { need: 'Unknown ', timeline: 0, budget: false, authority: '  ' };
    expect(isKnown(q, 'need')).toBe(false);
    expect(isKnown(q, 'timeline')).toBe(true);
    expect(isKnown(q, 'budget')).toBe(true);
    expect(isKnown(q, 'authority')).toBe(false);
    expect(isKnown({}, 'need')).toBe(false);
  });

  it('gives the same verdict without its explanation (mqlRuleMet) as with it', () => {
    const field = fc.constantFrom<QualificationField>('need', 'timeline', 'budget', 'authority');
    const answer = fc.oneof(fc.constantFrom('', ' ', 'unknown', ' Unknown ', 'yes', 'Q3'), fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
    const config = fc.record({
      engagementThreshold: fc.double({ min: 0, max: 100, noNaN: true }),
      minQualificationKnown: fc.integer({ min: 0, max: 4 }),
      qualificationFields: fc.uniqueArray(field, { maxLength: 4 }),
      minFitScore: fc.option(fc.double({ min: -50, max: 50, noNaN: true }), { nil: null }),
    });
    const input = fc.record(
      {
        engagementScore: fc.double({ min: -10, max: 120, noNaN: true }),
        fitScore: fc.double({ min: -60, max: 60, noNaN: true }),
        qualification: fc.dictionary(field, answer),
        stage: fc.constantFrom('subscriber', 'lead', 'recycled'),
      },
      { requiredKeys: ['engagementScore', 'fitScore', 'qualification'] },
    );
    fc.assert(
      fc.property(input, config, (i, c) => {
        expect(mqlRuleMet(i, c)).toBe(evaluateMqlRule(i, c).met);
      }),
      { numRuns: 2000 },
    );
  });

  it('counts, for a recycled lead, only the engagement earned since it was recycled, and says so', () => {
    expect(mqlEngagement('lead', 80, null)).toBe(80);
    expect(mqlEngagement('mql', 80, 12)).toBe(80);
    expect(mqlEngagement('recycled', 80, 12)).toBe(12);
    expect(mqlEngagement('recycled', 80, null)).toBe(0);
    const recycledAt = new Date('2026-01-05T09:30:00Z');
    const result = evaluateMqlRule({ engagementScore: 12, fitScore: 0, qualification: { need: 'x', budget: 'y' }, recycledAt }, rule);
    expect(result.missing).toEqual(['engagement earned since recycled (2026-01-05T09:30:00.000Z) 50 or more (now 12)']);
  });

  it('is not met by a subscriber, whatever its score and answers, and says it must become a lead first', () => {
    const hot = { engagementScore: 120, fitScore: 30, qualification: { need: 'crm', budget: '5k', timeline: 'Q2' } };
    const result = evaluateMqlRule({ ...hot, stage: 'subscriber' }, rule);
    expect(result.met).toBe(false);
    expect(mqlRuleMet({ ...hot, stage: 'subscriber' }, rule)).toBe(false);
    expect(result.missing).toEqual(['a lead, not a subscriber: a download, a webinar or a form with contact details makes a subscriber a lead (now subscriber)']);
    expect(result.conditions[0]).toMatchObject({ id: 'stage', met: false, required: 'lead', actual: 'subscriber' });
    expect(evaluateMqlRule({ ...hot, stage: 'lead' }, rule)).toMatchObject({ met: true, missing: [] });
  });
});
