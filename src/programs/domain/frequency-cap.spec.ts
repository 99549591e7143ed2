import fc from 'fast-check';
import { capSendTime, DEFAULT_FREQUENCY_CAP, fitsFrequencyCap, nextAllowedSend, type FrequencyCap } from './frequency-cap.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (s: string) => new Date(s);
const iso = (d: Date) => d.toISOString();

describe('frequency cap', () => {
  const monday = at('2026-01-05T10:00:00Z');
  const wednesday = at('2026-01-07T10:00:00Z');
  const thursday = at('2026-01-08T10:00:00Z');

  it('defaults to 3 nurture emails per rolling 7 days', () => {
    expect(DEFAULT_FREQUENCY_CAP).toEqual({ max: 3, windowMs: 7 * DAY });
  });

  it('lets the third email of the week go out when it is due', () => {
    const friday = at('2026-01-09T10:00:00Z');
    expect(nextAllowedSend([monday, wednesday], friday, DEFAULT_FREQUENCY_CAP)).toBe(friday);
  });

  it('defers the fourth email in a week to the moment the oldest leaves the window', () => {
    const friday = at('2026-01-09T10:00:00Z');
    expect(iso(nextAllowedSend([monday, wednesday, thursday], friday, DEFAULT_FREQUENCY_CAP))).toBe('2026-01-12T10:00:00.000Z');
  });

  it('allows a send exactly one window after the oldest one', () => {
    const nextMonday = at('2026-01-12T10:00:00Z');
    expect(fitsFrequencyCap([monday, wednesday, thursday], nextMonday, DEFAULT_FREQUENCY_CAP)).toBe(true);
    expect(fitsFrequencyCap([monday, wednesday, thursday], new Date(nextMonday.getTime() - 1), DEFAULT_FREQUENCY_CAP)).toBe(false);
  });

  it('ignores sends older than the window', () => {
    const lastMonth = [at('2025-12-01T10:00:00Z'), at('2025-12-02T10:00:00Z'), at('2025-12-03T10:00:00Z')];
    expect(nextAllowedSend(lastMonth, monday, DEFAULT_FREQUENCY_CAP)).toBe(monday);
  });

  it('counts sends already planned for later, so an earlier email cannot crowd them out', () => {
    const planned = [at('2026-01-06T10:00:00Z'), at('2026-01-07T10:00:00Z'), at('2026-01-08T10:00:00Z')];
    // Monday would make four in one week; room appears when Tuesday's send leaves the window.
    expect(iso(nextAllowedSend(planned, monday, DEFAULT_FREQUENCY_CAP))).toBe('2026-01-13T10:00:00.000Z');
  });

  describe('which earlier emails count, and as of when', () => {
    const now = at('2026-01-09T10:00:00Z');
    const lastWeek = at('2026-01-01T10:00:00Z');

    it('a sent email counts when the relay accepted it', () => {
      expect(capSendTime('sent', wednesday, now)).toBe(wednesday);
    });

    it('a held email (its worker stopped mid-send) counts when its send began: it most likely went out then', () => {
      expect(capSendTime('held', wednesday, now)).toBe(wednesday);
    });

    it('an email not delivered yet counts as of now however long ago it was queued, since it goes out from now on', () => {
      expect(capSendTime('queued', lastWeek, now)).toBe(now);
      expect(capSendTime('sending', lastWeek, now)).toBe(now);
      // A queued email keeps counting while it waits, so a fourth send now is deferred, not crowded in beside it.
      const pending = [lastWeek, lastWeek, lastWeek].map((q) => capSendTime('queued', q, now)!);
      expect(fitsFrequencyCap(pending, now, DEFAULT_FREQUENCY_CAP)).toBe(false);
    });

    it('a failed or suppressed email never reached the lead and counts for nothing', () => {
      expect(capSendTime('failed', wednesday, now)).toBeNull();
      expect(capSendTime('suppressed', wednesday, now)).toBeNull();
    });
  });

  it('refuses a cap that allows nothing', () => {
    expect(() => nextAllowedSend([], monday, { max: 0, windowMs: DAY })).toThrow(RangeError);
  });
});

// ---- properties ---------------------------------------------------------------------------

const T0 = Date.UTC(2026, 0, 1);
const capArb: fc.Arbitrary<FrequencyCap> = fc.record({
  max: fc.integer({ min: 1, max: 4 }),
  windowMs: fc.integer({ min: 1, max: 10 }).map((d) => d * DAY),
});
/**
 * Whole hours within 40 days, so every moment the cap can change is on the hour and hourly scans
 * are exhaustive; often whole days, so sends exactly one window apart (the edge case) are common.
 */
const timeArb = fc
  .oneof(fc.integer({ min: 0, max: 40 * 24 }), fc.integer({ min: 0, max: 40 }).map((days) => days * 24))
  .map((hours) => new Date(T0 + hours * HOUR));

/** Brute force: the most sends in any window [a, a + windowMs), a on the hour grid. */
function busiestWindow(sends: Date[], windowMs: number, startsBetween?: [number, number]): number {
  const times = sends.map((d) => d.getTime());
  const [first, last] = startsBetween ?? [Math.min(...times) - windowMs, Math.max(...times)];
  let busiest = 0;
  for (let a = Math.ceil(first / HOUR) * HOUR; a <= last; a += HOUR) {
    busiest = Math.max(busiest, times.filter((t) => t >= a && t < a + windowMs).length);
  }
  return busiest;
}

describe('frequency cap properties', () => {
  it('agrees with a brute-force count of every window that would hold the new send', () => {
    fc.assert(
      fc.property(capArb, fc.array(timeArb, { maxLength: 10 }), timeArb, (cap, sentAt, t) => {
        const windowsHoldingT: [number, number] = [t.getTime() - cap.windowMs + HOUR, t.getTime()];
        const bruteForce = busiestWindow([...sentAt, t], cap.windowMs, windowsHoldingT) <= cap.max;
        expect(fitsFrequencyCap(sentAt, t, cap)).toBe(bruteForce);
      }),
      { numRuns: 2000 },
    );
  });

  it('planning any sequence of sends never puts more than max in a window, and never sends early', () => {
    fc.assert(
      fc.property(capArb, fc.array(timeArb, { maxLength: 25 }), (cap, desired) => {
        const history: Date[] = [];
        for (const want of desired) {
          const sent = nextAllowedSend(history, want, cap);
          expect(sent.getTime()).toBeGreaterThanOrEqual(want.getTime());
          history.push(sent);
        }
        if (history.length > 0) expect(busiestWindow(history, cap.windowMs)).toBeLessThanOrEqual(cap.max);
      }),
      { numRuns: 200 },
    );
  });

  it('defers no more than needed: every hour between the desired time and the answer is over the cap', () => {
    fc.assert(
      fc.property(capArb, fc.array(timeArb, { maxLength: 12 }), timeArb, (cap, sentAt, desired) => {
        const sent = nextAllowedSend(sentAt, desired, cap);
        expect(fitsFrequencyCap(sentAt, sent, cap)).toBe(true);
        let earlierFit: string | undefined;
        for (let t = desired.getTime(); t < sent.getTime() && !earlierFit; t += HOUR) {
          if (fitsFrequencyCap(sentAt, new Date(t), cap)) earlierFit = new Date(t).toISOString();
        }
        expect(earlierFit).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });
});

/**
 * A model of delivery after the decision to send: an email decided at `t` is queued, then sent after some delay,
 * or fails, or is held (its worker died mid-send) and either went out at that moment or never arrived; then an
 * operator releases it, which (like the release endpoint) succeeds only once sending it at that moment fits the
 * cap, and it goes out some time later. What the engine sees of an email at any moment is its row's status and
 * the instant the row knows best.
 */
type Fate =
  | { kind: 'sent'; delayH: number }
  | { kind: 'failed'; delayH: number }
  | { kind: 'held_delivered'; delayH: number }
  | { kind: 'held_released'; delayH: number; releaseAfterH: number; resendDelayH: number }
  | { kind: 'stuck' };

const hours = (n: number) => n * HOUR;
const fateArb: fc.Arbitrary<Fate> = fc.oneof(
  fc.record({ kind: fc.constant('sent' as const), delayH: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 12 * 24 })) }),
  fc.record({ kind: fc.constant('failed' as const), delayH: fc.integer({ min: 0, max: 48 }) }),
  fc.record({ kind: fc.constant('held_delivered' as const), delayH: fc.integer({ min: 0, max: 48 }) }),
  fc.record({
    kind: fc.constant('held_released' as const),
    delayH: fc.integer({ min: 0, max: 48 }),
    releaseAfterH: fc.integer({ min: 0, max: 10 * 24 }),
    resendDelayH: fc.integer({ min: 0, max: 72 }),
  }),
  fc.record({ kind: fc.constant('stuck' as const) }),
);

/** One email's row over time (`from` ascending) and when it really reached the lead, if it did. */
interface ModelEmail {
  rows: { from: number; status: string; knownAt: number }[];
  deliveredAt: number | null;
}

function countedAt(emails: ModelEmail[], t: number): Date[] {
  return emails.flatMap((e) => {
    const row = e.rows.filter((r) => r.from <= t).at(-1);
    return row ? (capSendTime(row.status, new Date(row.knownAt), new Date(t)) ?? []) : [];
  });
}

describe('frequency cap over delayed, failed and held deliveries', () => {
  it('whatever happens to emails after they are queued, what reaches a lead never exceeds the cap in any window', () => {
    fc.assert(
      fc.property(capArb, fc.array(fc.tuple(timeArb, fateArb), { maxLength: 25 }), (cap, attempts) => {
        const emails: ModelEmail[] = [];
        type Step = { at: number; run: () => void };
        const queue: Step[] = [];
        const later = (at: number, run: () => void) => queue.push({ at, run });
        const release = (e: ModelEmail, t: number, f: Extract<Fate, { kind: 'held_released' }>, tries: number) => {
          // The release endpoint's check: the other emails, counted as the scheduler counts them, plus this one now.
          if (fitsFrequencyCap(countedAt(emails.filter((o) => o !== e), t), new Date(t), cap)) {
            const sent = t + hours(f.resendDelayH);
            e.rows.push({ from: t, status: 'queued', knownAt: e.rows[0].knownAt }, { from: sent, status: 'sent', knownAt: sent });
            e.deliveredAt = sent;
          } else if (tries < 40) later(t + DAY, () => release(e, t + DAY, f, tries + 1));
        };
        const decide = (t: number, fate: Fate) => {
          // The scheduler sends at `now` only when it fits; otherwise the step is deferred (and decided again later).
          if (!fitsFrequencyCap(countedAt(emails, t), new Date(t), cap)) return;
          const e: ModelEmail = { rows: [{ from: t, status: 'queued', knownAt: t }], deliveredAt: null };
          emails.push(e);
          if (fate.kind === 'stuck') return;
          const first = t + hours(fate.delayH);
          if (fate.kind === 'failed') e.rows.push({ from: first, status: 'failed', knownAt: t });
          else if (fate.kind === 'sent') e.rows.push({ from: first, status: 'sent', knownAt: first });
          else e.rows.push({ from: first, status: 'held', knownAt: first });
          if (fate.kind === 'sent' || fate.kind === 'held_delivered') e.deliveredAt = first;
          if (fate.kind === 'held_released') later(first + hours(fate.releaseAfterH), () => release(e, first + hours(fate.releaseAfterH), fate, 0));
        };
        for (const [when, fate] of attempts) later(when.getTime(), () => decide(when.getTime(), fate));
        while (queue.length) {
          queue.sort((a, b) => a.at - b.at);
          queue.shift()!.run();
        }
        const delivered = emails.flatMap((e) => (e.deliveredAt === null ? [] : [new Date(e.deliveredAt)]));
        if (delivered.length) expect(busiestWindow(delivered, cap.windowMs)).toBeLessThanOrEqual(cap.max);
      }),
      { numRuns: 500 },
    );
  });
});
