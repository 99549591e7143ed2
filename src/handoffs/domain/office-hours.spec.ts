import fc from 'fast-check';
import { DateTime } from 'luxon';
import { DomainError, ErrorCode } from '../../common/domain-error.js';
import {
  DEFAULT_OFFICE_WEEK,
  OfficeWeek,
  WEEKDAYS,
  Weekday,
  addOfficeTime,
  isOpen,
  officeMinutesBetween,
} from './office-hours.js';
import { brussels, inBrussels, weekWith, nineToFive, LUNCH_WEEK, clock } from './office-hours.fixtures.js';

const ROUND_THE_CLOCK = weekWith(Object.fromEntries(WEEKDAYS.map((d) => [d, [{ from: '00:00', to: '24:00' }]])));

describe('addOfficeTime in the default week (Mon–Fri 09:00–17:00, Brussels)', () => {
  const week = DEFAULT_OFFICE_WEEK;

  it('a high-intent lead on Friday 16:55 with a 15-minute SLA is due Monday 09:10', () => {
    expect(inBrussels(addOfficeTime(brussels('2026-01-09T16:55'), 15, week))).toBe('Mon 2026-01-12 09:10');
  });

  it('24 office hours from Tuesday 10:00 are three office days later: Friday 10:00', () => {
    expect(inBrussels(addOfficeTime(brussels('2026-01-06T10:00'), 24 * 60, week))).toBe('Fri 2026-01-09 10:00');
  });

  it('72 office hours from Monday 09:00 are nine office days later: Thursday of the next week at 17:00', () => {
    expect(inBrussels(addOfficeTime(brussels('2026-01-05T09:00'), 72 * 60, week))).toBe('Thu 2026-01-15 17:00');
  });

  it('a deadline that uses up the day ends at closing time, not at the next opening', () => {
    expect(inBrussels(addOfficeTime(brussels('2026-01-09T16:45'), 15, week))).toBe('Fri 2026-01-09 17:00');
  });

  it('a lead arriving before opening starts counting at 09:00', () => {
    expect(inBrussels(addOfficeTime(brussels('2026-01-05T07:12'), 30, week))).toBe('Mon 2026-01-05 09:30');
  });

  it('a lead arriving on Saturday starts counting on Monday morning', () => {
    expect(inBrussels(addOfficeTime(brussels('2026-01-10T12:00'), 60, week))).toBe('Mon 2026-01-12 10:00');
  });

  it('a lead arriving in the evening starts counting the next morning', () => {
    expect(inBrussels(addOfficeTime(brussels('2026-01-06T21:30'), 15, week))).toBe('Wed 2026-01-07 09:15');
  });

  it('zero minutes is the moment itself, open or not', () => {
    const saturday = brussels('2026-01-10T12:00');
    expect(addOfficeTime(saturday, 0, week).getTime()).toBe(saturday.getTime());
  });

  it('refuses a negative or non-finite number of minutes', () => {
    expect(() => addOfficeTime(brussels('2026-01-05T10:00'), -1, week)).toThrow(DomainError);
    expect(() => addOfficeTime(brussels('2026-01-05T10:00'), Number.NaN, week)).toThrow(DomainError);
  });
});

describe('addOfficeTime across daylight-saving changes in Brussels', () => {
  it('Friday 16:55 before spring-forward (UTC+1) is due Monday 09:10 after it (UTC+2)', () => {
    const due = addOfficeTime(brussels('2026-03-27T16:55'), 15, DEFAULT_OFFICE_WEEK);
    expect(due.toISOString()).toBe('2026-03-30T07:10:00.000Z');
  });

  it('Friday 16:55 before fall-back (UTC+2) is due Monday 09:10 after it (UTC+1)', () => {
    const due = addOfficeTime(brussels('2026-10-23T16:55'), 15, DEFAULT_OFFICE_WEEK);
    expect(due.toISOString()).toBe('2026-10-26T08:10:00.000Z');
  });

  it('closing time stays 17:00 local on both sides of the change', () => {
    expect(addOfficeTime(brussels('2026-03-23T16:00'), 60, DEFAULT_OFFICE_WEEK).toISOString()).toBe('2026-03-23T16:00:00.000Z');
    expect(addOfficeTime(brussels('2026-03-30T16:00'), 60, DEFAULT_OFFICE_WEEK).toISOString()).toBe('2026-03-30T15:00:00.000Z');
  });

  it('a round-the-clock desk counts 23 hours on the spring-forward Sunday and 25 on the fall-back Sunday', () => {
    expect(officeMinutesBetween(brussels('2026-03-29T00:00'), brussels('2026-03-30T00:00'), ROUND_THE_CLOCK)).toBe(23 * 60);
    expect(officeMinutesBetween(brussels('2026-10-25T00:00'), brussels('2026-10-26T00:00'), ROUND_THE_CLOCK)).toBe(25 * 60);
  });

  it('a night opening 02:00–04:00 on the spring-forward Sunday is only one hour long', () => {
    const nightShift = weekWith({ sun: [{ from: '02:00', to: '04:00' }] });
    expect(officeMinutesBetween(brussels('2026-03-29T00:00'), brussels('2026-03-29T12:00'), nightShift)).toBe(60);
    expect(officeMinutesBetween(brussels('2026-03-22T00:00'), brussels('2026-03-22T12:00'), nightShift)).toBe(120);
  });

  it('an opening that starts inside the spring-forward gap opens where the clock jumps to', () => {
    // 2026-03-29: Brussels clocks go from 02:00 to 03:00. 02:30–04:00 is open from 03:00 to 04:00.
    const late = weekWith({ sun: [{ from: '02:30', to: '04:00' }] });
    expect(isOpen(new Date('2026-03-29T01:15:00Z'), late)).toBe(true); // 03:15
    expect(isOpen(new Date('2026-03-29T00:59:00Z'), late)).toBe(false); // 01:59
    expect(officeMinutesBetween(brussels('2026-03-28T00:00'), brussels('2026-03-30T00:00'), late)).toBe(60);
    // An opening wholly inside the gap never shows on the clock that day.
    const lost = weekWith({ sun: [{ from: '02:00', to: '02:30' }] });
    expect(officeMinutesBetween(brussels('2026-03-28T00:00'), brussels('2026-03-30T00:00'), lost)).toBe(0);
    expect(officeMinutesBetween(brussels('2026-03-21T00:00'), brussels('2026-03-23T00:00'), lost)).toBe(30);
    // New York springs forward at 02:00 too, on 2026-03-08.
    const ny = weekWith({ sun: [{ from: '02:30', to: '04:00' }] }, { zone: 'America/New_York' });
    expect(officeMinutesBetween(new Date('2026-03-08T00:00:00Z'), new Date('2026-03-09T12:00:00Z'), ny)).toBe(60);
  });
});

describe('addOfficeTime with holidays and breaks', () => {
  it('skips a holiday: Friday 16:55 before Easter Monday is due Tuesday 09:10', () => {
    const week: OfficeWeek = { ...DEFAULT_OFFICE_WEEK, holidays: ['2026-04-06'] };
    expect(inBrussels(addOfficeTime(brussels('2026-04-03T16:55'), 15, week))).toBe('Tue 2026-04-07 09:10');
  });

  it('a lead arriving on a holiday waits for the next office day', () => {
    const week: OfficeWeek = { ...DEFAULT_OFFICE_WEEK, holidays: ['2026-12-25'] };
    expect(inBrussels(addOfficeTime(brussels('2026-12-25T10:00'), 15, week))).toBe('Mon 2026-12-28 09:15');
  });

  it('the lunch break does not count: 11:50 plus 20 minutes is 13:10', () => {
    expect(inBrussels(addOfficeTime(brussels('2026-01-05T11:50'), 20, LUNCH_WEEK))).toBe('Mon 2026-01-05 13:10');
  });

  it('a lead arriving during lunch starts counting at 13:00', () => {
    expect(inBrussels(addOfficeTime(brussels('2026-01-05T12:30'), 15, LUNCH_WEEK))).toBe('Mon 2026-01-05 13:15');
  });
});

describe('a week without office time', () => {
  it('is refused with a clear domain error instead of searching forever', () => {
    const closed = weekWith({});
    try {
      addOfficeTime(brussels('2026-01-05T10:00'), 15, closed);
      throw new Error('expected a domain error');
    } catch (err) {
      expect(err).toBeInstanceOf(DomainError);
      expect((err as DomainError).code).toBe(ErrorCode.Validation);
      expect((err as DomainError).errors).toEqual([{ field: 'days', message: 'must have at least one opening in the week' }]);
    }
  });

  it('gives up with a domain error when holidays cover every opening for years', () => {
    const mondays = Array.from({ length: 600 }, (_, i) => DateTime.fromISO('2026-01-05').plus({ weeks: i }).toISODate()!);
    const mondaysOnly = weekWith({ mon: nineToFive }, { holidays: mondays });
    expect(() => addOfficeTime(brussels('2026-01-05T10:00'), 15, mondaysOnly)).toThrow(
      expect.objectContaining({ code: ErrorCode.Unprocessable }),
    );
  });

  it('has no office minutes in any range', () => {
    const mondaysOnly = weekWith({ mon: nineToFive }, { holidays: ['2026-01-05'] });
    expect(officeMinutesBetween(brussels('2026-01-05T00:00'), brussels('2026-01-11T23:59'), mondaysOnly)).toBe(0);
  });
});

describe('officeMinutesBetween', () => {
  it('counts only office time: Friday 16:00 to Monday 10:00 is two office hours', () => {
    expect(officeMinutesBetween(brussels('2026-01-09T16:00'), brussels('2026-01-12T10:00'), DEFAULT_OFFICE_WEEK)).toBe(120);
  });

  it('is negative when the second moment comes first, and zero for the same moment', () => {
    expect(officeMinutesBetween(brussels('2026-01-12T10:00'), brussels('2026-01-09T16:00'), DEFAULT_OFFICE_WEEK)).toBe(-120);
    expect(officeMinutesBetween(brussels('2026-01-12T10:00'), brussels('2026-01-12T10:00'), DEFAULT_OFFICE_WEEK)).toBe(0);
  });

  it('counts nothing over a weekend', () => {
    expect(officeMinutesBetween(brussels('2026-01-09T17:00'), brussels('2026-01-12T09:00'), DEFAULT_OFFICE_WEEK)).toBe(0);
  });
});

describe('isOpen', () => {
  const HOLIDAY_WEEK: OfficeWeek = { ...DEFAULT_OFFICE_WEEK, holidays: ['2026-01-05'] };
  it.each([
    ['Monday at opening time', '2026-01-05T09:00', DEFAULT_OFFICE_WEEK, true],
    ['Monday one minute before closing', '2026-01-05T16:59', DEFAULT_OFFICE_WEEK, true],
    ['Monday at closing time', '2026-01-05T17:00', DEFAULT_OFFICE_WEEK, false],
    ['Monday before opening', '2026-01-05T08:59', DEFAULT_OFFICE_WEEK, false],
    ['Saturday noon', '2026-01-10T12:00', DEFAULT_OFFICE_WEEK, false],
    ['during lunch', '2026-01-05T12:15', LUNCH_WEEK, false],
    ['after lunch', '2026-01-05T13:00', LUNCH_WEEK, true],
    ['on a holiday', '2026-01-05T10:00', HOLIDAY_WEEK, false],
  ] as [string, string, OfficeWeek, boolean][])('%s → %s', (_label, local, week, open) => {
    expect(isOpen(brussels(local), week)).toBe(open);
  });
});

describe('office-time arithmetic on arbitrary weeks (properties)', () => {
  const ZONES = ['Europe/Brussels', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe'];

  /** One day's openings: sorted, distinct quarter-hour boundaries taken in pairs. */
  const day = fc
    .uniqueArray(fc.integer({ min: 0, max: 96 }), { maxLength: 6 })
    .map((marks) => {
      const sorted = [...marks].sort((a, b) => a - b);
      const openings: { from: string; to: string }[] = [];
      for (let i = 0; i + 1 < sorted.length; i += 2) openings.push({ from: clock(sorted[i] * 15), to: clock(sorted[i + 1] * 15) });
      return openings;
    });
  const week: fc.Arbitrary<OfficeWeek> = fc
    .record({
      zone: fc.constantFrom(...ZONES),
      days: fc.record(Object.fromEntries(WEEKDAYS.map((d) => [d, day])) as Record<Weekday, typeof day>),
      holidays: fc.array(
        fc.date({ min: new Date('2026-01-01T00:00Z'), max: new Date('2026-12-31T00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
        { maxLength: 20 },
      ),
    })
    .filter((w) => WEEKDAYS.some((d) => w.days[d].length > 0));
  const start = fc.date({ min: new Date('2026-01-01T00:00Z'), max: new Date('2026-12-31T00:00Z'), noInvalidDate: true });
  const minutes = fc.integer({ min: 0, max: 5000 });

  it('the office time between the start and the deadline is exactly the minutes asked for', () => {
    fc.assert(
      fc.property(week, start, minutes, (w, s, m) => {
        expect(officeMinutesBetween(s, addOfficeTime(s, m, w), w)).toBe(m);
      }),
    );
  });

  it('more minutes never give an earlier deadline', () => {
    fc.assert(
      fc.property(week, start, minutes, minutes, (w, s, m1, m2) => {
        const [low, high] = m1 <= m2 ? [m1, m2] : [m2, m1];
        expect(addOfficeTime(s, low, w).getTime()).toBeLessThanOrEqual(addOfficeTime(s, high, w).getTime());
      }),
    );
  });

  it('a deadline always falls inside an opening or exactly at its end', () => {
    fc.assert(
      fc.property(week, start, fc.integer({ min: 1, max: 5000 }), (w, s, m) => {
        const due = addOfficeTime(s, m, w);
        expect(isOpen(new Date(due.getTime() - 1), w)).toBe(true);
      }),
    );
  });
});
