import fc from 'fast-check';
import { DateTime } from 'luxon';
import { DomainError, ErrorCode } from '../../common/domain-error.js';
import { DEFAULT_OFFICE_WEEK, OfficeWeek, WEEKDAYS, Weekday, addOfficeDays, isOpen, officeMinutesBetween } from './office-hours.js';
import { brussels, inBrussels, weekWith, nineToFive, withLunch, toMinutes, clock } from './office-hours.fixtures.js';

/** addOfficeDays: deadlines counted in office days (the same office time that many office days later). */
describe('addOfficeDays: the same office time on a later office day', () => {
  const week = DEFAULT_OFFICE_WEEK;

  it('one office day from Tuesday 10:00 is Wednesday 10:00, two is Thursday 10:00', () => {
    expect(inBrussels(addOfficeDays(brussels('2026-01-06T10:00'), 1, week))).toBe('Wed 2026-01-07 10:00');
    expect(inBrussels(addOfficeDays(brussels('2026-01-06T10:00'), 2, week))).toBe('Thu 2026-01-08 10:00');
  });

  it('skips the weekend and holidays: Friday 16:55 is due Monday 16:55, or Tuesday 16:55 before Easter Monday', () => {
    expect(inBrussels(addOfficeDays(brussels('2026-01-09T16:55'), 1, week))).toBe('Mon 2026-01-12 16:55');
    expect(inBrussels(addOfficeDays(brussels('2026-04-03T16:55'), 1, { ...week, holidays: ['2026-04-06'] }))).toBe('Tue 2026-04-07 16:55');
  });

  it('a lead arriving out of office hours counts from the next opening: Saturday noon and Tuesday 21:30 are due at 09:00 a day after it', () => {
    expect(inBrussels(addOfficeDays(brussels('2026-01-10T12:00'), 1, week))).toBe('Tue 2026-01-13 09:00');
    expect(inBrussels(addOfficeDays(brussels('2026-01-06T21:30'), 1, week))).toBe('Thu 2026-01-08 09:00');
    expect(inBrussels(addOfficeDays(brussels('2026-01-05T07:12'), 1, week))).toBe('Tue 2026-01-06 09:00');
  });

  it('keeps the local office time across a daylight-saving change', () => {
    expect(addOfficeDays(brussels('2026-03-27T10:00'), 1, week).toISOString()).toBe('2026-03-30T08:00:00.000Z');
    expect(addOfficeDays(brussels('2026-10-23T10:00'), 1, week).toISOString()).toBe('2026-10-26T09:00:00.000Z');
  });

  it('on a day closed at that time, takes its next opening, or its closing time when the day is over by then', () => {
    const shortFriday = weekWith({ mon: nineToFive, tue: nineToFive, wed: nineToFive, thu: nineToFive, fri: [{ from: '09:00', to: '12:00' }] });
    expect(inBrussels(addOfficeDays(brussels('2026-01-08T15:00'), 1, shortFriday))).toBe('Fri 2026-01-09 12:00');
    expect(inBrussels(addOfficeDays(brussels('2026-01-08T10:00'), 1, shortFriday))).toBe('Fri 2026-01-09 10:00');
    const lunchTuesday = weekWith({ mon: nineToFive, tue: withLunch });
    expect(inBrussels(addOfficeDays(brussels('2026-01-05T12:30'), 1, lunchTuesday))).toBe('Tue 2026-01-06 13:00');
  });

  it('zero days is the moment itself; a negative or fractional number of days is refused', () => {
    const saturday = brussels('2026-01-10T12:00');
    expect(addOfficeDays(saturday, 0, week).getTime()).toBe(saturday.getTime());
    expect(() => addOfficeDays(saturday, -1, week)).toThrow(DomainError);
    expect(() => addOfficeDays(saturday, 0.5, week)).toThrow(DomainError);
  });

  it('gives up with a domain error when holidays cover every office day for years', () => {
    const mondays = Array.from({ length: 600 }, (_, i) => DateTime.fromISO('2026-01-05').plus({ weeks: i }).toISODate()!);
    const mondaysOnly = weekWith({ mon: nineToFive }, { holidays: mondays.slice(1) });
    expect(inBrussels(addOfficeDays(brussels('2026-01-05T10:00'), 0, mondaysOnly))).toBe('Mon 2026-01-05 10:00');
    expect(() => addOfficeDays(brussels('2026-01-05T10:00'), 1, mondaysOnly)).toThrow(expect.objectContaining({ code: ErrorCode.Unprocessable }));
    expect(() => addOfficeDays(brussels('2026-01-04T10:00'), 1, weekWith({ mon: nineToFive }, { holidays: mondays }))).toThrow(
      expect.objectContaining({ code: ErrorCode.Unprocessable }),
    );
  });
});


describe('office days on arbitrary weeks (properties)', () => {
  const ZONES = ['Europe/Brussels', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'UTC'];
  /**
   * Openings between 04:00 and 24:00: clear of the night-time daylight-saving changes of these zones, so every
   * wall-clock time of an opening happens exactly once.
   */
  const daytime = fc
    .uniqueArray(fc.integer({ min: 16, max: 96 }), { minLength: 2, maxLength: 6 })
    .map((marks) => {
      const sorted = [...marks].sort((a, b) => a - b);
      const openings: { from: string; to: string }[] = [];
      for (let i = 0; i + 1 < sorted.length; i += 2) openings.push({ from: clock(sorted[i] * 15), to: clock(sorted[i + 1] * 15) });
      return openings;
    });
  const holidays = fc.array(
    fc.date({ min: new Date('2026-01-01T00:00Z'), max: new Date('2027-03-31T00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
    { maxLength: 30 },
  );
  /** The same openings on every office day (a subset of the week). */
  const uniformWeek = fc
    .record({ zone: fc.constantFrom(...ZONES), openings: daytime, open: fc.subarray([...WEEKDAYS], { minLength: 1 }), holidays })
    .map(({ zone, openings, open, holidays: h }) => ({
      length: openings.reduce((sum, o) => sum + (toMinutes(o.to) - toMinutes(o.from)), 0),
      week: { zone, holidays: h, days: Object.fromEntries(WEEKDAYS.map((d) => [d, open.includes(d) ? openings : []])) as OfficeWeek['days'] },
    }));
  /** Different openings per day, some days closed. */
  const mixedWeek: fc.Arbitrary<OfficeWeek> = fc
    .record({
      zone: fc.constantFrom(...ZONES),
      days: fc.record(Object.fromEntries(WEEKDAYS.map((d) => [d, fc.oneof(fc.constant([]), daytime)])) as Record<Weekday, fc.Arbitrary<{ from: string; to: string }[]>>),
      holidays,
    })
    .filter((w) => WEEKDAYS.some((d) => w.days[d].length > 0));
  const start = fc.date({ min: new Date('2026-01-01T00:00Z'), max: new Date('2026-12-31T00:00Z'), noInvalidDate: true });
  const days = fc.integer({ min: 1, max: 15 });

  it('when every office day has the same hours, N office days hold exactly N days of office minutes', () => {
    fc.assert(
      fc.property(uniformWeek, start, days, ({ week, length }, s, n) => {
        expect(officeMinutesBetween(s, addOfficeDays(s, n, week), week)).toBe(n * length);
      }),
    );
  });

  it('when every office day has the same hours, adding office days in two steps gives the same deadline as in one', () => {
    fc.assert(
      fc.property(uniformWeek, start, days, days, ({ week }, s, a, b) => {
        expect(addOfficeDays(addOfficeDays(s, a, week), b, week).getTime()).toBe(addOfficeDays(s, a + b, week).getTime());
      }),
    );
  });

  it('the deadline falls in office time or at the end of an opening, after the start, and later for more days', () => {
    fc.assert(
      fc.property(mixedWeek, start, days, (w, s, n) => {
        const due = addOfficeDays(s, n, w);
        expect(isOpen(due, w) || isOpen(new Date(due.getTime() - 1), w)).toBe(true);
        expect(due.getTime()).toBeGreaterThan(s.getTime());
        expect(addOfficeDays(s, n + 1, w).getTime()).toBeGreaterThan(due.getTime());
      }),
    );
  });

  it('a later start never gives an earlier deadline', () => {
    fc.assert(
      fc.property(mixedWeek, start, start, days, (w, s1, s2, n) => {
        const [early, late] = s1 <= s2 ? [s1, s2] : [s2, s1];
        expect(addOfficeDays(early, n, w).getTime()).toBeLessThanOrEqual(addOfficeDays(late, n, w).getTime());
      }),
    );
  });
});

