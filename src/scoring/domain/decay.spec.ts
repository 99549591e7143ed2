import fc from 'fast-check';
import { addContribution, currentPoints, decayFactor, scoreAt, type ScoreState } from './decay.js';

const DAY = 86_400_000;
const HALF_LIFE = 30;
const T0 = new Date('2026-01-05T09:00:00Z');
const at = (days: number) => new Date(T0.getTime() + days * DAY);
const empty: ScoreState = { value: 0, asOf: T0 };

function closeTo(actual: number, expected: number, scale: number): boolean {
  return Math.abs(actual - expected) <= 1e-9 * Math.max(1, scale);
}

describe('decay with a half-life', () => {
  it('leaves a score untouched at zero or negative elapsed time', () => {
    expect(decayFactor(0, HALF_LIFE)).toBe(1);
    expect(decayFactor(-5 * DAY, HALF_LIFE)).toBe(1);
  });

  it('halves a score after one half-life and quarters it after two', () => {
    expect(decayFactor(30 * DAY, HALF_LIFE)).toBeCloseTo(0.5, 12);
    expect(scoreAt({ value: 80, asOf: T0 }, at(60), HALF_LIFE)).toBeCloseTo(20, 9);
  });

  it("makes last year's clicks nearly worthless: 30 points a year ago are worth about 0.06 today", () => {
    expect(currentPoints(30, T0, at(365), HALF_LIFE)).toBeCloseTo(30 * Math.pow(2, -365 / 30), 12);
    expect(currentPoints(30, T0, at(365), HALF_LIFE)).toBeLessThan(0.1);
  });

  it('never decays backwards: asking before asOf returns the stored value', () => {
    expect(scoreAt({ value: 42, asOf: at(10) }, at(5), HALF_LIFE)).toBe(42);
  });

  it('refuses a half-life that is not positive', () => {
    expect(() => decayFactor(DAY, 0)).toThrow(RangeError);
    expect(() => decayFactor(DAY, Number.NaN)).toThrow(RangeError);
  });

  it('decays a past-dated contribution from its own time', () => {
    const state = addContribution({ value: 0, asOf: at(30) }, 10, T0, at(30), HALF_LIFE);
    expect(state.asOf).toEqual(at(30));
    expect(state.value).toBeCloseTo(5, 9);
  });

  it('treats a future-dated contribution as happening now', () => {
    const state = addContribution(empty, 10, at(100), at(1), HALF_LIFE);
    expect(state.asOf).toEqual(at(1));
    expect(state.value).toBe(10);
  });

  it('keeps asOf at the later of the stored moment and now', () => {
    const state = addContribution({ value: 8, asOf: at(5) }, 2, at(2), at(3), HALF_LIFE);
    expect(state.asOf).toEqual(at(5));
    expect(state.value).toBeCloseTo(8 + 2 * Math.pow(2, -3 / 30), 12);
  });
});

// A ledger of contributions, each at most 400 days before the moment they are recorded.
const ledgerArb = fc.array(
  fc.record({
    points: fc.integer({ min: -1000, max: 1000 }),
    ageMs: fc.integer({ min: 0, max: 400 * DAY }),
  }),
  { maxLength: 30 },
);

describe('decay properties', () => {
  it('never increases the size of a score as time passes', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.integer({ min: 0, max: 3650 * DAY }),
        fc.integer({ min: 0, max: 3650 * DAY }),
        fc.integer({ min: 1, max: 3650 }),
        (value, a, b, halfLife) => {
          const state = { value, asOf: T0 };
          const [earlier, later] = a <= b ? [a, b] : [b, a];
          const scoreEarlier = scoreAt(state, new Date(T0.getTime() + earlier), halfLife);
          const scoreLater = scoreAt(state, new Date(T0.getTime() + later), halfLife);
          return Math.abs(scoreLater) <= Math.abs(scoreEarlier);
        },
      ),
    );
  });

  it('equals the sum over the ledger of each contribution after decay', () => {
    fc.assert(
      fc.property(ledgerArb, fc.integer({ min: 0, max: 400 * DAY }), (ledger, readLaterBy) => {
        const now = at(400);
        const rows = ledger.map((c) => ({ points: c.points, occurredAt: new Date(now.getTime() - c.ageMs) }));
        const state = rows.reduce((s, row) => addContribution(s, row.points, row.occurredAt, now, HALF_LIFE), empty);
        const readAt = new Date(now.getTime() + readLaterBy);
        const parts = rows.map((row) => currentPoints(row.points, row.occurredAt, readAt, HALF_LIFE));
        const sum = parts.reduce((a, b) => a + b, 0);
        const scale = parts.reduce((a, b) => a + Math.abs(b), 0);
        return closeTo(scoreAt(state, readAt, HALF_LIFE), sum, scale);
      }),
    );
  });

  it('does not depend on the order contributions are added in, even as now moves on', () => {
    fc.assert(
      fc.property(
        ledgerArb.chain((ledger) => fc.tuple(fc.constant(ledger), fc.shuffledSubarray(ledger, { minLength: ledger.length, maxLength: ledger.length }))),
        ([ledger, shuffled]) => {
          // Each contribution is recorded on its own day; its timestamp is clamped to that "now".
          const addAll = (rows: typeof ledger) =>
            rows.reduce((s, row, i) => addContribution(s, row.points, new Date(at(400).getTime() - row.ageMs), at(400 + i), HALF_LIFE), empty);
          const readAt = at(400 + ledger.length);
          const a = scoreAt(addAll(ledger), readAt, HALF_LIFE);
          const b = scoreAt(addAll(shuffled), readAt, HALF_LIFE);
          const scale = ledger.reduce((sum, row) => sum + Math.abs(row.points), 0);
          return closeTo(a, b, scale);
        },
      ),
    );
  });
});
