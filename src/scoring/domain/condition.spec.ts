import fc from 'fast-check';
import { matchesCondition, resolvePath } from './condition.js';

const pageView = { type: 'page_viewed', properties: { url: 'https://Acme.be/Pricing?plan=pro', referrer: null, tags: ['Promo', 'spring'] } };
const lead = {
  jobTitle: 'Head of Operations',
  emailDomain: 'acme.be',
  attributes: { employees: '25', revenue: 1_200_000, country: 'BE', competitor: 'true' },
  qualification: { authority: 'Decision_Maker', budget: '' },
};

describe('conditions on event and lead facts', () => {
  it('follows dotted paths into nested facts', () => {
    expect(resolvePath(pageView, 'properties.url')).toBe('https://Acme.be/Pricing?plan=pro');
    expect(resolvePath(pageView, 'properties.url.length')).toBeUndefined();
    expect(resolvePath(lead, 'attributes.toString')).toBeUndefined();
  });

  it('compares text without regard to case', () => {
    expect(matchesCondition({ field: 'qualification.authority', op: 'equals', value: 'decision_maker' }, lead)).toBe(true);
    expect(matchesCondition({ field: 'jobTitle', op: 'contains', value: 'OPERATIONS' }, lead)).toBe(true);
    expect(matchesCondition({ field: 'jobTitle', op: 'startsWith', value: 'head' }, lead)).toBe(true);
    expect(matchesCondition({ field: 'jobTitle', op: 'endsWith', value: 'Head' }, lead)).toBe(false);
    expect(matchesCondition({ field: 'properties.url', op: 'matches', value: '*/pricing*' }, pageView)).toBe(true);
  });

  it('coerces numeric strings for numeric comparisons', () => {
    expect(matchesCondition({ field: 'attributes.employees', op: 'gte', value: 10 }, lead)).toBe(true);
    expect(matchesCondition({ field: 'attributes.employees', op: 'gt', value: 25 }, lead)).toBe(false);
    expect(matchesCondition({ field: 'attributes.employees', op: 'lte', value: 25 }, lead)).toBe(true);
    expect(matchesCondition({ field: 'attributes.revenue', op: 'lt', value: 1_000_000 }, lead)).toBe(false);
    expect(matchesCondition({ field: 'attributes.employees', op: 'equals', value: 25 }, lead)).toBe(true);
  });

  it('never treats text as a number', () => {
    expect(matchesCondition({ field: 'jobTitle', op: 'gt', value: 0 }, lead)).toBe(false);
    expect(matchesCondition({ field: 'jobTitle', op: 'lt', value: 0 }, lead)).toBe(false);
    expect(matchesCondition({ field: 'attributes.employees', op: 'equals', value: 'twenty-five' }, lead)).toBe(false);
  });

  it('accepts "true" as true for boolean flags', () => {
    expect(matchesCondition({ field: 'attributes.competitor', op: 'equals', value: true }, lead)).toBe(true);
    expect(matchesCondition({ field: 'attributes.competitor', op: 'equals', value: false }, lead)).toBe(false);
  });

  it('checks membership with in', () => {
    expect(matchesCondition({ field: 'emailDomain', op: 'in', value: ['gmail.com', 'ACME.BE'] }, lead)).toBe(true);
    expect(matchesCondition({ field: 'emailDomain', op: 'in', value: ['gmail.com', 'hotmail.com'] }, lead)).toBe(false);
    expect(matchesCondition({ field: 'attributes.employees', op: 'in', value: [10, 25, 50] }, lead)).toBe(true);
  });

  it('lets a missing, null or empty fact match nothing but notEquals and exists: false', () => {
    for (const field of ['company', 'properties.referrer', 'qualification.budget', 'attributes.nothing.deeper']) {
      const facts = { ...lead, ...pageView };
      expect(matchesCondition({ field, op: 'equals', value: '' }, facts)).toBe(false);
      expect(matchesCondition({ field, op: 'contains', value: 'a' }, facts)).toBe(false);
      expect(matchesCondition({ field, op: 'lt', value: 100 }, facts)).toBe(false);
      expect(matchesCondition({ field, op: 'matches', value: '*' }, facts)).toBe(false);
      expect(matchesCondition({ field, op: 'notEquals', value: 'x' }, facts)).toBe(true);
      expect(matchesCondition({ field, op: 'exists' }, facts)).toBe(false);
      expect(matchesCondition({ field, op: 'exists', value: false }, facts)).toBe(true);
    }
  });

  it('reports a present fact as existing', () => {
    expect(matchesCondition({ field: 'attributes.country', op: 'exists' }, lead)).toBe(true);
    expect(matchesCondition({ field: 'attributes.country', op: 'exists', value: false }, lead)).toBe(false);
  });

  it('matches a list fact when any item matches, and notEquals only when no item equals', () => {
    expect(matchesCondition({ field: 'properties.tags', op: 'equals', value: 'promo' }, pageView)).toBe(true);
    expect(matchesCondition({ field: 'properties.tags', op: 'notEquals', value: 'promo' }, pageView)).toBe(false);
    expect(matchesCondition({ field: 'properties.tags', op: 'notEquals', value: 'winter' }, pageView)).toBe(true);
  });

  it('never follows inherited properties', () => {
    expect(matchesCondition({ field: 'properties.constructor', op: 'exists' }, pageView)).toBe(false);
    expect(matchesCondition({ field: '__proto__', op: 'exists' }, {})).toBe(false);
  });

  it('holds `in` exactly when equals holds for some item of the list', () => {
    const scalar = fc.oneof(
      fc.constantFrom('10', ' 10 ', '1e1', 'true', ' TRUE ', 'false', 'Gmail.com', 'gmail.com', '', 'x'),
      fc.string({ maxLength: 6 }),
      fc.integer({ min: -3, max: 12 }),
      fc.double({ noNaN: false }),
      fc.boolean(),
    );
    const item = fc.oneof(fc.constantFrom('10', 'gmail.com', 'GMAIL.COM', 'true', '1e1', ''), fc.string({ maxLength: 6 }), fc.integer({ min: -3, max: 12 }));
    fc.assert(
      fc.property(fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.constant(null)), fc.array(item, { maxLength: 6 }), (actual, list) => {
        const facts = { x: actual };
        const viaIn = matchesCondition({ field: 'x', op: 'in', value: list }, facts);
        const viaEquals = list.some((value) => matchesCondition({ field: 'x', op: 'equals', value }, facts));
        expect(viaIn).toBe(viaEquals);
      }),
      { numRuns: 2000 },
    );
  });
});
