import fc from 'fast-check';
import { HANDOFF_STATUSES, type HandoffStatus } from '../../handoffs/domain/sales-moves.js';
import { STAGES, type Stage } from '../../scoring/domain/lifecycle.js';
import { coldAfterMs, engagedAt, lastEngagement, wentCold, type ColdCandidate } from './went-cold.js';

const DAY = 86_400_000;
const now = new Date('2026-03-02T09:00:00Z');
const daysAgo = (d: number) => new Date(now.getTime() - d * DAY);
const window = coldAfterMs(30);
const mql = (extra: Partial<ColdCandidate> = {}): ColdCandidate => ({
  stage: 'mql',
  mqlAt: daysAgo(31),
  erased: false,
  openHandoff: 'pending',
  lastEngagementAt: null,
  ...extra,
});
const live = (d: number) => ({ occurredAt: daysAgo(d), receivedAt: daysAgo(d), machine: false, historical: false });

describe('an MQL going cold', () => {
  it('is cold when it became MQL 31 days ago and did nothing since', () => {
    expect(wentCold(mql(), now, window)).toBe(true);
  });

  it('is not cold when it became MQL 40 days ago but clicked 3 days ago', () => {
    expect(wentCold(mql({ mqlAt: daysAgo(40), lastEngagementAt: daysAgo(3) }), now, window)).toBe(false);
  });

  it('counts from its last engagement: 31 days of silence after a click 31 days ago is cold, exactly 30 days is cold, 29 is not', () => {
    expect(wentCold(mql({ mqlAt: daysAgo(60), lastEngagementAt: daysAgo(31) }), now, window)).toBe(true);
    expect(wentCold(mql({ mqlAt: daysAgo(60), lastEngagementAt: daysAgo(30) }), now, window)).toBe(true);
    expect(wentCold(mql({ mqlAt: daysAgo(60), lastEngagementAt: daysAgo(29) }), now, window)).toBe(false);
  });

  it('is not cold within the window after becoming MQL, whatever it did before', () => {
    expect(wentCold(mql({ mqlAt: daysAgo(10), lastEngagementAt: daysAgo(90) }), now, window)).toBe(false);
  });

  it('goes cold with no hand-off, or with one still pending (breached, reassigned or escalated alike)', () => {
    expect(wentCold(mql({ openHandoff: null }), now, window)).toBe(true);
    expect(wentCold(mql({ openHandoff: 'pending' }), now, window)).toBe(true);
  });

  it('never touches a lead sales accepted, nor a customer, a disqualified, recycled or erased lead', () => {
    expect(wentCold(mql({ openHandoff: 'accepted' }), now, window)).toBe(false);
    expect(wentCold(mql({ openHandoff: 'opportunity' }), now, window)).toBe(false);
    for (const stage of ['sql', 'opportunity', 'customer', 'disqualified', 'recycled', 'lead', 'subscriber'] as Stage[]) {
      expect(wentCold(mql({ stage, mqlAt: daysAgo(400) }), now, window)).toBe(false);
    }
    expect(wentCold(mql({ erased: true }), now, window)).toBe(false);
    expect(wentCold(mql({ mqlAt: null }), now, window)).toBe(false);
  });

  it('is switched off by MQL_COLD_AFTER_DAYS=0', () => {
    expect(wentCold(mql({ mqlAt: daysAgo(4000) }), now, coldAfterMs(0))).toBe(false);
  });

  it('only ever recycles a silent, untaken MQL (property)', () => {
    const date = fc.integer({ min: 0, max: 400 }).map(daysAgo);
    fc.assert(
      fc.property(
        fc.constantFrom<Stage>(...STAGES),
        fc.option(date, { nil: null }),
        fc.boolean(),
        fc.option(fc.constantFrom<HandoffStatus>(...HANDOFF_STATUSES), { nil: null }),
        fc.option(date, { nil: null }),
        fc.integer({ min: 0, max: 90 }),
        (stage, mqlAt, erased, openHandoff, lastEngagementAt, days) => {
          const lead = { stage, mqlAt, erased, openHandoff, lastEngagementAt };
          if (!wentCold(lead, now, coldAfterMs(days))) return;
          const cutoff = now.getTime() - days * DAY;
          expect(days).toBeGreaterThan(0);
          expect(stage).toBe('mql');
          expect(erased).toBe(false);
          expect([null, 'pending']).toContain(openHandoff);
          expect(mqlAt!.getTime()).toBeLessThanOrEqual(cutoff);
          if (lastEngagementAt) expect(lastEngagementAt.getTime()).toBeLessThanOrEqual(cutoff);
        },
      ),
    );
  });

  it('grows no warmer with time: a lead cold now stays cold later (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }), fc.integer({ min: 0, max: 50 }), (mqlDays, engagedDays, later) => {
        const lead = mql({ mqlAt: daysAgo(mqlDays), lastEngagementAt: engagedDays === null ? null : daysAgo(engagedDays) });
        if (wentCold(lead, now, window)) expect(wentCold(lead, new Date(now.getTime() + later * DAY), window)).toBe(true);
      }),
    );
  });
});

describe('what counts as engagement', () => {
  it('takes live human events only: machine opens and clicks, and historical imports, show nothing', () => {
    expect(engagedAt(live(3))).toEqual(daysAgo(3));
    expect(engagedAt({ ...live(3), machine: true })).toBeNull();
    expect(engagedAt({ ...live(3), historical: true })).toBeNull();
  });

  it('dates a future-dated event no later than it arrived', () => {
    expect(engagedAt({ occurredAt: daysAgo(-10), receivedAt: daysAgo(2), machine: false, historical: false })).toEqual(daysAgo(2));
  });

  it('finds the latest engagement, ignoring machine and historical events after it', () => {
    expect(lastEngagement([live(20), live(5), { ...live(1), machine: true }, { ...live(2), historical: true }])).toEqual(daysAgo(5));
    expect(lastEngagement([{ ...live(1), machine: true }])).toBeNull();
    expect(lastEngagement([])).toBeNull();
  });
});
