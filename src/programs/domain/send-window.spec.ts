import fc from 'fast-check';
import { addDuration, parseDuration } from './duration.js';
import { DEFAULT_SEND_WINDOW, WEEKDAYS, type SendWindow } from './program-definition.js';
import { isInsideWindow, nextSendTime } from './send-window.js';

const BRUSSELS = 'Europe/Brussels';
const NEW_YORK = 'America/New_York';
const office = DEFAULT_SEND_WINDOW; // Mon–Fri 09:00–17:00
const iso = (d: Date) => d.toISOString();

describe('isInsideWindow', () => {
  it('counts from as inside and to as outside', () => {
    expect(isInsideWindow(new Date('2026-01-05T08:00:00Z'), office, BRUSSELS)).toBe(true); // Mon 09:00
    expect(isInsideWindow(new Date('2026-01-05T07:59:59Z'), office, BRUSSELS)).toBe(false); // Mon 08:59:59
    expect(isInsideWindow(new Date('2026-01-05T15:59:59Z'), office, BRUSSELS)).toBe(true); // Mon 16:59:59
    expect(isInsideWindow(new Date('2026-01-05T16:00:00Z'), office, BRUSSELS)).toBe(false); // Mon 17:00
  });

  it("judges by the lead's wall clock, not UTC", () => {
    const mondayNoonUtc = new Date('2026-01-05T12:00:00Z');
    expect(isInsideWindow(mondayNoonUtc, office, BRUSSELS)).toBe(true); // 13:00
    expect(isInsideWindow(mondayNoonUtc, office, NEW_YORK)).toBe(false); // 07:00
    expect(isInsideWindow(mondayNoonUtc, office, 'Asia/Tokyo')).toBe(false); // 21:00
  });

  it('is closed on days the window leaves out', () => {
    expect(isInsideWindow(new Date('2026-01-10T10:00:00Z'), office, BRUSSELS)).toBe(false); // Saturday 11:00
  });

  it('a window until 24:00 stays open until midnight', () => {
    const evenings: SendWindow = { days: ['mon'], from: '18:00', to: '24:00' };
    expect(isInsideWindow(new Date('2026-01-05T22:59:00Z'), evenings, BRUSSELS)).toBe(true); // Mon 23:59
    expect(isInsideWindow(new Date('2026-01-05T23:00:00Z'), evenings, BRUSSELS)).toBe(false); // Tue 00:00
  });
});

describe('nextSendTime', () => {
  it('sends a step due inside the window right away', () => {
    const tuesday11 = new Date('2026-01-06T10:00:00Z');
    expect(nextSendTime(tuesday11, office, BRUSSELS)).toBe(tuesday11);
  });

  it('holds a step due before opening until 09:00 the same day', () => {
    const tuesday0630 = new Date('2026-01-06T05:30:00Z');
    expect(iso(nextSendTime(tuesday0630, office, BRUSSELS))).toBe('2026-01-06T08:00:00.000Z');
  });

  describe('Europe/Brussels', () => {
    it('a step due Friday 17:30 waits for Monday 09:00', () => {
      expect(iso(nextSendTime(new Date('2026-01-09T16:30:00Z'), office, BRUSSELS))).toBe('2026-01-12T08:00:00.000Z');
    });

    it('a step due Friday 17:30 before the spring change waits for Monday 09:00 summer time', () => {
      const friday = new Date('2026-03-27T16:30:00Z'); // 17:30 CET
      expect(iso(nextSendTime(friday, office, BRUSSELS))).toBe('2026-03-30T07:00:00.000Z'); // 09:00 CEST
    });

    it('a step due Friday 17:30 before the October change waits for Monday 09:00 winter time', () => {
      const friday = new Date('2026-10-23T15:30:00Z'); // 17:30 CEST
      expect(iso(nextSendTime(friday, office, BRUSSELS))).toBe('2026-10-26T08:00:00.000Z'); // 09:00 CET
    });

    it('a step due Sunday 02:30 on the spring-forward day (a time that does not exist) goes out Monday 09:00', () => {
      const due = addDuration(new Date('2026-03-28T01:30:00Z'), parseDuration('P1D')!, BRUSSELS); // Sat 02:30 + P1D
      expect(iso(nextSendTime(due, office, BRUSSELS))).toBe('2026-03-30T07:00:00.000Z');
    });

    it('a window opening at 02:30 opens at 03:00 on the spring-forward day, when the clocks jump past 02:30', () => {
      const nightly: SendWindow = { days: [...WEEKDAYS], from: '02:30', to: '06:00' };
      const sundayMidnight = new Date('2026-03-28T23:00:00Z'); // Sun 00:00 CET
      expect(iso(nextSendTime(sundayMidnight, nightly, BRUSSELS))).toBe('2026-03-29T01:00:00.000Z'); // 03:00 CEST
      const sunday07 = new Date('2026-03-29T05:00:00Z'); // Sun 07:00 CEST
      expect(iso(nextSendTime(sunday07, nightly, BRUSSELS))).toBe('2026-03-30T00:30:00.000Z'); // Mon 02:30 CEST
    });

    it('a window that falls entirely in the spring gap skips that day', () => {
      const gap: SendWindow = { days: ['sun'], from: '02:15', to: '02:45' };
      const saturday = new Date('2026-03-28T12:00:00Z');
      expect(iso(nextSendTime(saturday, gap, BRUSSELS))).toBe('2026-04-05T00:15:00.000Z'); // next Sunday 02:15 CEST
    });

    it('a window opening at 02:30 on the fall-back day opens on the first 02:30', () => {
      const nightly: SendWindow = { days: ['sun'], from: '02:30', to: '04:00' };
      const sundayMidnight = new Date('2026-10-24T22:00:00Z'); // Sun 00:00 CEST
      expect(iso(nextSendTime(sundayMidnight, nightly, BRUSSELS))).toBe('2026-10-25T00:30:00.000Z'); // 02:30 CEST
    });

    it('when the clocks fall back into the window, it opens at that moment', () => {
      const nightly: SendWindow = { days: ['sun'], from: '01:30', to: '02:30' };
      const after = new Date('2026-10-25T00:45:00Z'); // 02:45 CEST: past the window, clocks about to go back
      expect(iso(nextSendTime(after, nightly, BRUSSELS))).toBe('2026-10-25T01:00:00.000Z'); // 02:00 CET
    });
  });

  describe('America/New_York', () => {
    it('a step due Friday 17:30 before the March change waits for Monday 09:00 daylight time', () => {
      const friday = new Date('2026-03-06T22:30:00Z'); // 17:30 EST
      expect(iso(nextSendTime(friday, office, NEW_YORK))).toBe('2026-03-09T13:00:00.000Z'); // 09:00 EDT
    });

    it('a step due Friday 17:30 before the November change waits for Monday 09:00 standard time', () => {
      const friday = new Date('2026-10-30T21:30:00Z'); // 17:30 EDT
      expect(iso(nextSendTime(friday, office, NEW_YORK))).toBe('2026-11-02T14:00:00.000Z'); // 09:00 EST
    });

    it('a step due Sunday 02:30 on the spring-forward day waits for the weekend window to open', () => {
      const weekend: SendWindow = { days: ['sat', 'sun'], from: '10:00', to: '12:00' };
      const due = addDuration(new Date('2026-03-07T07:30:00Z'), parseDuration('P1D')!, NEW_YORK); // Sat 02:30 + P1D
      expect(iso(nextSendTime(due, weekend, NEW_YORK))).toBe('2026-03-08T14:00:00.000Z'); // Sun 10:00 EDT
    });

    it('a window opening at 02:00 opens at 03:00 on the spring-forward day', () => {
      const early: SendWindow = { days: ['sun'], from: '02:00', to: '05:00' };
      const saturday = new Date('2026-03-07T18:00:00Z');
      expect(iso(nextSendTime(saturday, early, NEW_YORK))).toBe('2026-03-08T07:00:00.000Z'); // 03:00 EDT
    });
  });

  it('refuses a zone that was not resolved to a known one', () => {
    expect(() => nextSendTime(new Date('2026-01-05T08:00:00Z'), office, 'Nowhere/Special')).toThrow(RangeError);
  });
});

// ---- properties ---------------------------------------------------------------------------

/** 2026 clock changes per zone (UTC), so generated due dates often land next to one. */
const CLOCK_CHANGES: Record<string, string[]> = {
  'Europe/Brussels': ['2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z'],
  'America/New_York': ['2026-03-08T07:00:00Z', '2026-11-01T06:00:00Z'],
  'Australia/Lord_Howe': ['2026-04-04T15:00:00Z', '2026-10-03T15:30:00Z'],
  'America/Santiago': ['2026-04-05T03:00:00Z', '2026-09-06T04:00:00Z'],
  'Asia/Kolkata': [],
  UTC: [],
};
const ZONES = Object.keys(CLOCK_CHANGES);
const DAY = 86_400_000;
const nearClockChange = fc
  .constantFrom(...ZONES.flatMap((zone) => CLOCK_CHANGES[zone].map((t) => ({ zone, t: new Date(t).getTime() }))))
  .chain(({ zone, t }) => fc.integer({ min: -2 * DAY, max: 2 * DAY }).map((d) => ({ zone, dueMs: t + d })));
const anyTime = fc.record({ zone: fc.constantFrom(...ZONES), dueMs: fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2027, 11, 31) }) });
const MINUTE = 60_000;
const QUARTER = 15 * MINUTE;
const clock = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
const windowArb: fc.Arbitrary<SendWindow> = fc
  .record({
    days: fc.subarray([...WEEKDAYS], { minLength: 1 }),
    // Often in the small hours, where clocks change.
    from: fc.oneof(fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 0, max: 240 })),
    length: fc.integer({ min: 1, max: 1440 }),
  })
  .map(({ days, from, length }) => ({ days, from: clock(from), to: clock(Math.min(1440, from + length)) }));
/** Windows on the quarter hour: every zone here has an offset in whole quarter hours, so inside-ness only changes on the quarter hour. */
const quarterWindowArb: fc.Arbitrary<SendWindow> = fc
  .record({
    days: fc.subarray([...WEEKDAYS], { minLength: 1 }),
    from: fc.oneof(fc.integer({ min: 0, max: 95 }), fc.integer({ min: 0, max: 16 })),
    length: fc.integer({ min: 1, max: 96 }),
  })
  .map(({ days, from, length }) => ({ days, from: clock(from * 15), to: clock(Math.min(96, from + length) * 15) }));

describe('nextSendTime properties', () => {
  it('returns the earliest instant at or after the due time that is inside the window', () => {
    fc.assert(
      fc.property(fc.oneof(anyTime, nearClockChange), windowArb, ({ zone, dueMs }, window) => {
        const due = new Date(dueMs);
        const sent = nextSendTime(due, window, zone);
        expect(sent.getTime()).toBeGreaterThanOrEqual(dueMs);
        expect(isInsideWindow(sent, window, zone)).toBe(true);
        if (sent.getTime() === dueMs) return;
        // Nothing earlier is inside: the millisecond before, and every minute in the hours before.
        expect(isInsideWindow(new Date(sent.getTime() - 1), window, zone)).toBe(false);
        const from = Math.max(dueMs, sent.getTime() - 6 * 60 * MINUTE);
        expect(isInsideWindow(new Date(from), window, zone)).toBe(false);
        let firstInsideMinute: string | undefined;
        for (let t = Math.ceil(from / MINUTE) * MINUTE; t < sent.getTime() && !firstInsideMinute; t += MINUTE) {
          if (isInsideWindow(new Date(t), window, zone)) firstInsideMinute = new Date(t).toISOString();
        }
        expect(firstInsideMinute).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('skips no opening at all between the due time and the answer (quarter-hour windows, checked exhaustively)', () => {
    fc.assert(
      fc.property(fc.oneof(anyTime, nearClockChange), quarterWindowArb, ({ zone, dueMs }, window) => {
        const sent = nextSendTime(new Date(dueMs), window, zone);
        expect(isInsideWindow(sent, window, zone)).toBe(true);
        let firstInside: string | undefined;
        for (let t = dueMs; t < sent.getTime() && !firstInside; t = (Math.floor(t / QUARTER) + 1) * QUARTER) {
          if (isInsideWindow(new Date(t), window, zone)) firstInside = new Date(t).toISOString();
        }
        expect(firstInside).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });
});
