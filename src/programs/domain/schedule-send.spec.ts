import fc from 'fast-check';
import { DEFAULT_FREQUENCY_CAP, fitsFrequencyCap, type FrequencyCap } from './frequency-cap.js';
import { DEFAULT_SEND_WINDOW, WEEKDAYS, type SendWindow } from './program-definition.js';
import { scheduleSend } from './schedule-send.js';
import { isInsideWindow } from './send-window.js';

const BRUSSELS = 'Europe/Brussels';
const office = DEFAULT_SEND_WINDOW;
const iso = (d: Date) => d.toISOString();

describe('scheduleSend', () => {
  it('sends at once when inside the window and under the cap', () => {
    const tuesday11 = new Date('2026-01-06T10:00:00Z');
    expect(scheduleSend(tuesday11, office, BRUSSELS, [], DEFAULT_FREQUENCY_CAP)).toBe(tuesday11);
  });

  it('an email due Saturday goes out Monday 09:00 when the cap allows it', () => {
    const saturday = new Date('2026-01-10T10:00:00Z');
    expect(iso(scheduleSend(saturday, office, BRUSSELS, [], DEFAULT_FREQUENCY_CAP))).toBe('2026-01-12T08:00:00.000Z');
  });

  it('a fourth email whose cap frees up after the window closes waits for the next opening', () => {
    const sent = ['2026-01-05T16:30:00Z', '2026-01-06T09:00:00Z', '2026-01-07T09:00:00Z'].map((s) => new Date(s)); // Mon 17:30 local, Tue, Wed
    const friday = new Date('2026-01-09T10:00:00Z');
    // The cap frees up next Monday 17:30 local, after the window closes; the next opening is Tuesday 09:00.
    expect(iso(scheduleSend(friday, office, BRUSSELS, sent, DEFAULT_FREQUENCY_CAP))).toBe('2026-01-13T08:00:00.000Z');
  });

  it('a cap that frees up inside the window is used as soon as it does', () => {
    const sent = ['2026-01-05T10:00:00Z', '2026-01-06T10:00:00Z', '2026-01-07T10:00:00Z'].map((s) => new Date(s));
    const friday = new Date('2026-01-09T10:00:00Z');
    expect(iso(scheduleSend(friday, office, BRUSSELS, sent, DEFAULT_FREQUENCY_CAP))).toBe('2026-01-12T10:00:00.000Z');
  });
});

const ZONES = ['Europe/Brussels', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Tokyo'];
const T0 = Date.UTC(2026, 2, 1);
const DAY = 86_400_000;
const clock = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
const windowArb: fc.Arbitrary<SendWindow> = fc
  .record({ days: fc.subarray([...WEEKDAYS], { minLength: 1 }), from: fc.integer({ min: 0, max: 1439 }), length: fc.integer({ min: 1, max: 1440 }) })
  .map(({ days, from, length }) => ({ days, from: clock(from), to: clock(Math.min(1440, from + length)) }));
const capArb: fc.Arbitrary<FrequencyCap> = fc.record({ max: fc.integer({ min: 1, max: 3 }), windowMs: fc.integer({ min: 1, max: 7 }).map((d) => d * DAY) });
const timeArb = fc.integer({ min: 0, max: 300 * DAY }).map((ms) => new Date(T0 + ms));

describe('scheduleSend properties', () => {
  it('the chosen moment is never early, is inside the window and within the cap', () => {
    fc.assert(
      fc.property(timeArb, windowArb, fc.constantFrom(...ZONES), fc.array(timeArb, { maxLength: 12 }), capArb, (desired, window, zone, sentAt, cap) => {
        const at = scheduleSend(desired, window, zone, sentAt, cap);
        expect(at.getTime()).toBeGreaterThanOrEqual(desired.getTime());
        expect(isInsideWindow(at, window, zone)).toBe(true);
        expect(fitsFrequencyCap(sentAt, at, cap)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
