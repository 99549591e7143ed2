import fc from 'fast-check';
import { HANDOFF_CLOSE_REASONS, manualStageCloseReason, slaBreached, slaCompliance, type SlaRecord } from './closure.js';

const T0 = Date.parse('2026-01-05T09:00:00Z');
const MINUTE = 60_000;
const DAY = 86_400_000;
const at = (ms: number) => new Date(T0 + ms);

/** A hand-off created at T0, due at `due`, with what SLA compliance reads (times in ms after T0). */
const record = (r: { due: number; breachCount?: number; responded?: number | null; closed?: number | null }): SlaRecord => ({
  createdAt: at(0),
  slaDueAt: at(r.due),
  breachCount: r.breachCount ?? 0,
  respondedAt: r.responded == null ? null : at(r.responded),
  closedAt: r.closed == null ? null : at(r.closed),
});

/**
 * A hand-off as the application leaves it, with `now` after everything that happened to it: created at T0 and due
 * later; either still pending, answered by sales, or closed by the system without an answer (never both: only a
 * pending hand-off is closed, and a closed one takes no answer); possibly flagged by the SLA watch, which flags
 * only a deadline that passed while the hand-off was pending, and whose flag is never cleared here (no new owner).
 * Times are whole minutes, so an answer, a close or now often falls on the deadline itself.
 */
const handoffArb = fc
  .record({
    due: fc.integer({ min: 1, max: 120 }),
    fate: fc.constantFrom('pending', 'answered', 'closed'),
    end: fc.integer({ min: 0, max: 240 }),
    flaggedAfter: fc.option(fc.integer({ min: 1, max: 120 }), { nil: null }), // the watch flags a deadline only after it (sla_due_at < now)
    nowAfter: fc.integer({ min: 0, max: 240 }),
  })
  .map(({ due, fate, end, flaggedAfter, nowAfter }) => {
    const now = Math.max(0, fate === 'pending' ? due - 60 + nowAfter : end + nowAfter) * MINUTE;
    const waitedUntil = fate === 'pending' ? now : end * MINUTE;
    const flagged = flaggedAfter === null ? null : (due + flaggedAfter) * MINUTE;
    const breachedAt = flagged !== null && flagged <= waitedUntil ? flagged : null;
    return {
      now,
      h: {
        ...record({ due: due * MINUTE, breachCount: breachedAt === null ? 0 : 1, responded: fate === 'answered' ? end * MINUTE : null, closed: fate === 'closed' ? end * MINUTE : null }),
        breachedAt: breachedAt === null ? null : at(breachedAt),
      },
    };
  });

/** Any record, also ones the application never writes (answered and closed, flagged before the deadline …). */
const anyRecordArb = fc
  .record({
    due: fc.integer({ min: 0, max: 100 }),
    breachCount: fc.integer({ min: 0, max: 2 }),
    responded: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }),
    closed: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }),
  })
  .map((r) => record({ due: r.due * MINUTE, breachCount: r.breachCount, responded: r.responded && r.responded * MINUTE, closed: r.closed && r.closed * MINUTE }));
const minuteArb = fc.integer({ min: 0, max: 100 }).map((m) => m * MINUTE);
const missed = (c: { due: boolean; inTime: boolean }) => c.due && !c.inTime;

describe('slaCompliance', () => {
  const now = at(2 * DAY);

  it('a sales answer by the deadline is due and in time; one after it is due and missed; both count as responses', () => {
    expect(slaCompliance(record({ due: 15 * MINUTE, responded: 15 * MINUTE }), now)).toEqual({ due: true, inTime: true, responseMs: 15 * MINUTE });
    expect(slaCompliance(record({ due: 15 * MINUTE, responded: 16 * MINUTE }), now)).toEqual({ due: true, inTime: false, responseMs: 16 * MINUTE });
  });

  it('a hand-off closed without a sales answer before its deadline is not due and no response: nobody owed an answer any more', () => {
    expect(slaCompliance(record({ due: 15 * MINUTE, closed: 5 * MINUTE }), now)).toEqual({ due: false, inTime: false, responseMs: null });
    // Closed at the deadline itself: an answer then would still have been in time.
    expect(slaCompliance(record({ due: 15 * MINUTE, closed: 15 * MINUTE }), now)).toEqual({ due: false, inTime: false, responseMs: null });
  });

  it('a hand-off closed without a sales answer after its deadline is due and missed, and no response', () => {
    expect(slaCompliance(record({ due: 15 * MINUTE, closed: 60 * MINUTE }), now)).toEqual({ due: true, inTime: false, responseMs: null });
    expect(slaCompliance(record({ due: 15 * MINUTE, closed: 40 * DAY }), at(40 * DAY))).toEqual({ due: true, inTime: false, responseMs: null }); // went cold
  });

  it('a pending hand-off is due once its deadline passed, and missed', () => {
    expect(slaCompliance(record({ due: 15 * MINUTE }), at(10 * MINUTE))).toMatchObject({ due: false, inTime: false });
    expect(slaCompliance(record({ due: 15 * MINUTE }), at(15 * MINUTE))).toMatchObject({ due: false, inTime: false });
    expect(slaCompliance(record({ due: 15 * MINUTE }), at(16 * MINUTE))).toMatchObject({ due: true, inTime: false });
  });

  it('a hand-off that ever missed a deadline is due and missed, even answered or closed within a fresh one', () => {
    expect(slaCompliance(record({ due: DAY, breachCount: 1, responded: 30 * MINUTE }), now)).toMatchObject({ due: true, inTime: false });
    expect(slaCompliance(record({ due: DAY, breachCount: 1, closed: 30 * MINUTE }), now)).toMatchObject({ due: true, inTime: false });
    expect(slaCompliance(record({ due: DAY, breachCount: 1 }), at(30 * MINUTE))).toMatchObject({ due: true, inTime: false });
  });

  it('in time never exceeds due, and only a sales answer is a response', () => {
    fc.assert(
      fc.property(anyRecordArb, minuteArb, (h, n) => {
        const c = slaCompliance(h, at(n));
        if (c.inTime) expect(c.due).toBe(true);
        expect(c.responseMs !== null).toBe(h.respondedAt !== null);
      }),
    );
  });

  it('a close never increases in_time or due, nor changes the response counted', () => {
    fc.assert(
      fc.property(anyRecordArb, minuteArb, minuteArb, (h, closeAt, n) => {
        fc.pre(closeAt <= n); // a close already happened
        const open = slaCompliance({ ...h, closedAt: null }, at(n));
        const closed = slaCompliance({ ...h, closedAt: at(closeAt) }, at(n));
        expect(Number(closed.inTime)).toBeLessThanOrEqual(Number(open.inTime));
        expect(Number(closed.due)).toBeLessThanOrEqual(Number(open.due));
        expect(closed.responseMs).toBe(open.responseMs);
      }),
    );
  });

  it('once due or missed, a hand-off stays so as time goes on', () => {
    fc.assert(
      fc.property(anyRecordArb, minuteArb, minuteArb, (h, a, b) => {
        const [earlier, later] = a <= b ? [a, b] : [b, a];
        const before = slaCompliance(h, at(earlier));
        const after = slaCompliance(h, at(later));
        if (before.due) expect(after.due).toBe(true);
        if (missed(before)) expect(missed(after)).toBe(true);
        expect(after.inTime).toBe(before.inTime);
      }),
    );
  });
});

describe('slaBreached', () => {
  const facts = (h: SlaRecord & { breachedAt: Date | null }) => ({ slaDueAt: h.slaDueAt, breachedAt: h.breachedAt, respondedAt: h.respondedAt, closedAt: h.closedAt });

  it('an expired (never answered) hand-off closed past its deadline missed it; one closed before its deadline did not, whenever read', () => {
    const expired = { slaDueAt: at(15 * MINUTE), breachedAt: null, respondedAt: null, closedAt: at(40 * DAY) };
    expect(slaBreached(expired, at(41 * DAY))).toBe(true);
    expect(slaBreached(expired)).toBe(true);
    const closedEarly = { slaDueAt: at(15 * MINUTE), breachedAt: null, respondedAt: null, closedAt: at(5 * MINUTE) };
    expect(slaBreached(closedEarly, at(41 * DAY))).toBe(false);
    expect(slaBreached(closedEarly)).toBe(false);
  });

  it('a pending hand-off past its deadline missed it; before, it did not', () => {
    expect(slaBreached({ slaDueAt: at(15 * MINUTE), breachedAt: null, respondedAt: null, closedAt: null }, at(40 * DAY))).toBe(true);
    expect(slaBreached({ slaDueAt: at(15 * MINUTE), breachedAt: null, respondedAt: null, closedAt: null }, at(MINUTE))).toBe(false);
  });

  it('at the exact deadline instant a pending hand-off has not missed it yet (an answer then is in time), a millisecond later it has — as SLA compliance counts it', () => {
    const pending = { createdAt: at(0), slaDueAt: at(15 * MINUTE), breachCount: 0, respondedAt: null, closedAt: null, breachedAt: null };
    expect(slaBreached(facts(pending), at(15 * MINUTE))).toBe(false);
    expect(slaCompliance(pending, at(15 * MINUTE))).toMatchObject({ due: false });
    expect(slaCompliance({ ...pending, respondedAt: at(15 * MINUTE) }, at(15 * MINUTE))).toMatchObject({ due: true, inTime: true });
    expect(slaBreached(facts(pending), at(15 * MINUTE + 1))).toBe(true);
    expect(missed(slaCompliance(pending, at(15 * MINUTE + 1)))).toBe(true);
  });

  it('an answer after the deadline missed it even when the watch never flagged it; one in time did not', () => {
    expect(slaBreached({ slaDueAt: at(DAY), breachedAt: null, respondedAt: at(DAY + 1), closedAt: null }, at(2 * DAY))).toBe(true);
    expect(slaBreached({ slaDueAt: at(DAY), breachedAt: null, respondedAt: at(DAY), closedAt: null }, at(2 * DAY))).toBe(false);
  });

  it('without now (a webhook written by the watch), a pending hand-off reads as missed only when flagged', () => {
    expect(slaBreached({ slaDueAt: at(0), breachedAt: null, respondedAt: null, closedAt: null })).toBe(false);
    expect(slaBreached({ slaDueAt: at(0), breachedAt: at(1), respondedAt: null, closedAt: null })).toBe(true);
  });

  it('agrees with SLA compliance (missed = due and not in time) for every pending, answered or closed hand-off', () => {
    fc.assert(
      fc.property(handoffArb, ({ h, now }) => {
        expect(slaBreached(facts(h), at(now))).toBe(missed(slaCompliance(h, at(now))));
      }),
      { numRuns: 2000 },
    );
  });

  it('once missed, a hand-off stays missed as time goes on', () => {
    fc.assert(
      fc.property(handoffArb, minuteArb, ({ h, now }, later) => {
        if (slaBreached(facts(h), at(now))) expect(slaBreached(facts(h), at(now + later))).toBe(true);
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
