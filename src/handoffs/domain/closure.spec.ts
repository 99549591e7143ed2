import fc from 'fast-check';
import { HANDOFF_CLOSE_REASONS, manualStageCloseReason, slaBreached, type SlaFacts } from './closure.js';

const T0 = Date.parse('2026-01-05T09:00:00Z');
const at = (ms: number) => new Date(T0 + ms);
const DAY = 86_400_000;

const timeArb = fc.integer({ min: 0, max: 60 * DAY });
const factsArb = fc.record({
  due: timeArb,
  breached: fc.option(timeArb, { nil: null }),
  responded: fc.option(timeArb, { nil: null }),
});
const facts = (f: { due: number; breached: number | null; responded: number | null }): SlaFacts => ({
  slaDueAt: at(f.due),
  breachedAt: f.breached === null ? null : at(f.breached),
  respondedAt: f.responded === null ? null : at(f.responded),
});

/**
 * Analytics' SLA compliance (funnel-queries.ts SLA_COLUMNS) for one hand-off whose flag was never cleared by a new
 * owner (breach_count is 1 when flagged, else 0): missed = due and not answered in time.
 */
function analyticsMissed(f: { due: number; breached: number | null; responded: number | null }, now: number): boolean {
  const breachCount = f.breached === null ? 0 : 1;
  const due = f.responded !== null || f.due < now || breachCount > 0;
  const inTime = f.responded !== null && f.responded <= f.due && breachCount === 0;
  return due && !inTime;
}

describe('slaBreached', () => {
  it('an expired (never answered) hand-off whose deadline passed missed it, like a pending one', () => {
    expect(slaBreached({ slaDueAt: at(15 * 60_000), breachedAt: null, respondedAt: null }, at(40 * DAY))).toBe(true);
    expect(slaBreached({ slaDueAt: at(15 * 60_000), breachedAt: null, respondedAt: null }, at(60_000))).toBe(false);
  });

  it('an answer after the deadline missed it even when the watch never flagged it; one in time did not', () => {
    expect(slaBreached({ slaDueAt: at(DAY), breachedAt: null, respondedAt: at(DAY + 1) }, at(2 * DAY))).toBe(true);
    expect(slaBreached({ slaDueAt: at(DAY), breachedAt: null, respondedAt: at(DAY) }, at(2 * DAY))).toBe(false);
  });

  it('without now (a webhook written by the watch), only a flag or a late answer counts', () => {
    expect(slaBreached({ slaDueAt: at(0), breachedAt: null, respondedAt: null })).toBe(false);
    expect(slaBreached({ slaDueAt: at(0), breachedAt: at(1), respondedAt: null })).toBe(true);
  });

  it('agrees with analytics SLA compliance for every answered or unanswered hand-off (away from the deadline instant)', () => {
    fc.assert(
      fc.property(factsArb, timeArb, (f, now) => {
        fc.pre(now !== f.due);
        // The watch flags only a deadline that passed while the hand-off was still waiting.
        fc.pre(f.breached === null || (f.breached >= f.due && (f.responded === null || f.responded >= f.breached)));
        expect(slaBreached(facts(f), at(now))).toBe(analyticsMissed(f, now));
      }),
    );
  });

  it('once missed, a hand-off stays missed as time goes on', () => {
    fc.assert(
      fc.property(factsArb, timeArb, timeArb, (f, a, b) => {
        const [earlier, later] = a <= b ? [a, b] : [b, a];
        if (slaBreached(facts(f), at(earlier))) expect(slaBreached(facts(f), at(later))).toBe(true);
      }),
    );
  });
});

describe('close reasons', () => {
  it('a lead set by hand closes its pending hand-off with the stage it was set to', () => {
    expect(manualStageCloseReason('disqualified')).toBe('disqualified');
    expect(manualStageCloseReason('customer')).toBe('customer');
    expect(HANDOFF_CLOSE_REASONS).toEqual(['went_cold', 'disqualified', 'customer', 'erased']);
  });
});
