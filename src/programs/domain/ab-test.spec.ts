import fc from 'fast-check';
import { compareProportions, MIN_TRIALS_FOR_SIGNIFICANCE, normalCdf } from './ab-test.js';

describe('normalCdf', () => {
  it('matches known quantiles of the standard normal', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1.959964)).toBeCloseTo(0.025, 6);
    expect(normalCdf(2.575829)).toBeCloseTo(0.995, 6);
    expect(normalCdf(-8)).toBeLessThan(1e-12);
  });
});

describe('compareProportions', () => {
  it('reports a clear winner as significant, with the difference in points', () => {
    // 10 % vs 15 % click rate on 1,000 messages each: z ≈ 3.381, p ≈ 0.00072.
    const r = compareProportions({ successes: 100, trials: 1000 }, { successes: 150, trials: 1000 });
    expect(r.differencePoints).toBeCloseTo(5, 6);
    expect(r.relativeChange).toBeCloseTo(0.5, 6);
    expect(r.z).toBeCloseTo(3.3806, 3);
    expect(r.pValue!).toBeGreaterThan(0.0005);
    expect(r.pValue!).toBeLessThan(0.0008);
    expect(r.significant).toBe(true);
  });

  it('does not call a small difference on small groups significant', () => {
    const r = compareProportions({ successes: 10, trials: 100 }, { successes: 13, trials: 100 });
    expect(r.differencePoints).toBeCloseTo(3, 6);
    expect(r.pValue!).toBeGreaterThan(0.4);
    expect(r.significant).toBe(false);
  });

  it('never calls groups below the minimum size significant, however large the gap', () => {
    const n = MIN_TRIALS_FOR_SIGNIFICANCE - 1;
    const r = compareProportions({ successes: 0, trials: n }, { successes: n, trials: n });
    expect(r.pValue!).toBeLessThan(0.001);
    expect(r.significant).toBe(false);
  });

  it('has no z or p-value when a group is empty or nobody (or everybody) converted', () => {
    expect(compareProportions({ successes: 0, trials: 0 }, { successes: 3, trials: 10 })).toMatchObject({ z: null, pValue: null, significant: false });
    expect(compareProportions({ successes: 0, trials: 50 }, { successes: 0, trials: 50 })).toMatchObject({ z: null, differencePoints: 0, relativeChange: null });
    expect(compareProportions({ successes: 50, trials: 50 }, { successes: 40, trials: 40 })).toMatchObject({ z: null, pValue: null });
  });

  it('refuses counts that are not a proportion', () => {
    expect(() => compareProportions({ successes: 5, trials: 4 }, { successes: 1, trials: 2 })).toThrow(RangeError);
    expect(() => compareProportions({ successes: -1, trials: 4 }, { successes: 1, trials: 2 })).toThrow(RangeError);
    expect(() => compareProportions({ successes: 1.5, trials: 4 }, { successes: 1, trials: 2 })).toThrow(RangeError);
  });

  const proportion = fc.integer({ min: 0, max: 5000 }).chain((trials) => fc.record({ trials: fc.constant(trials), successes: fc.integer({ min: 0, max: trials }) }));

  it('rounds a difference that ends in a half the same way in both directions (found by the property below)', () => {
    const a = { trials: 0, successes: 0 };
    const b = { trials: 3200, successes: 889 }; // 27.78125 points
    expect(compareProportions(a, b).differencePoints).toBe(27.7813);
    expect(compareProportions(b, a).differencePoints).toBe(-27.7813);
  });

  it('is antisymmetric: swapping the groups negates the difference and z and keeps the p-value', () => {
    fc.assert(
      fc.property(proportion, proportion, (a, b) => {
        const ab = compareProportions(a, b);
        const ba = compareProportions(b, a);
        expect(ab.differencePoints).toBeCloseTo(-ba.differencePoints, 6);
        if (ab.z === null) expect(ba.z).toBeNull();
        else {
          expect(ab.z).toBeCloseTo(-ba.z!, 3);
          expect(ab.pValue).toBeCloseTo(ba.pValue!, 5);
          expect(ab.significant).toBe(ba.significant);
        }
      }),
    );
  });

  it('keeps p within [0, 1], and identical groups are never significant', () => {
    fc.assert(
      fc.property(proportion, proportion, (a, b) => {
        const r = compareProportions(a, b);
        if (r.pValue !== null) {
          expect(r.pValue).toBeGreaterThanOrEqual(0);
          expect(r.pValue).toBeLessThanOrEqual(1);
        }
        expect(compareProportions(a, a).significant).toBe(false);
      }),
    );
  });
});
