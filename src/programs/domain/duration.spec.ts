import { addBusinessDays, addDuration, isWholeDays, parseDuration } from './duration.js';

const BRUSSELS = 'Europe/Brussels';
const NEW_YORK = 'America/New_York';
const iso = (d: Date) => d.toISOString();

describe('parseDuration', () => {
  it.each([
    ['P3D', { days: 3 }],
    ['PT2H', { hours: 2 }],
    ['P1W', { weeks: 1 }],
    ['P1DT12H', { days: 1, hours: 12 }],
    ['PT30M', { minutes: 30 }],
    ['P1Y2M', { years: 1, months: 2 }],
    ['PT45S', { seconds: 45 }],
  ])('reads %s', (text, parts) => {
    expect(parseDuration(text)).toEqual({ years: 0, months: 0, weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 0, ...parts });
  });

  it.each(['', 'P', 'PT', 'P1DT', '3D', 'p3d', 'P-1D', 'P1.5D', 'PT2H30', 'P 3D', 'P3D ', 'P2H', 'PT1D', 'P1D2W', 'P1234567D', 'three days'])(
    'refuses %j',
    (text) => {
      expect(parseDuration(text)).toBeUndefined();
    },
  );

  it('tells whole-day durations (usable as business days) from the others', () => {
    expect(isWholeDays(parseDuration('P3D')!)).toBe(true);
    expect(isWholeDays(parseDuration('P1DT12H')!)).toBe(false);
    expect(isWholeDays(parseDuration('P1W')!)).toBe(false); // a business week is ambiguous: write P5D
  });
});

describe('addDuration', () => {
  it('P1D across the October change in Brussels keeps 10:00 local (25 hours later)', () => {
    const saturday10 = new Date('2026-10-24T08:00:00Z'); // 10:00 CEST
    expect(iso(addDuration(saturday10, parseDuration('P1D')!, BRUSSELS))).toBe('2026-10-25T09:00:00.000Z'); // 10:00 CET
  });

  it('PT24H across the same change is elapsed time, so the wall clock shows 09:00', () => {
    const saturday10 = new Date('2026-10-24T08:00:00Z');
    expect(iso(addDuration(saturday10, parseDuration('PT24H')!, BRUSSELS))).toBe('2026-10-25T08:00:00.000Z'); // 09:00 CET
  });

  it('P1D across the November change in New York keeps 10:00 local', () => {
    const saturday10 = new Date('2026-10-31T14:00:00Z'); // 10:00 EDT
    expect(iso(addDuration(saturday10, parseDuration('P1D')!, NEW_YORK))).toBe('2026-11-01T15:00:00.000Z'); // 10:00 EST
  });

  it('P1D across the March change in New York keeps 10:00 local (23 hours later)', () => {
    const saturday10 = new Date('2026-03-07T15:00:00Z'); // 10:00 EST
    expect(iso(addDuration(saturday10, parseDuration('P1D')!, NEW_YORK))).toBe('2026-03-08T14:00:00.000Z'); // 10:00 EDT
  });

  it('a day later at 02:30 on the spring-forward Sunday (a time that does not exist) moves forward by the gap', () => {
    const saturday0230 = new Date('2026-03-28T01:30:00Z'); // 02:30 CET
    expect(iso(addDuration(saturday0230, parseDuration('P1D')!, BRUSSELS))).toBe('2026-03-29T01:30:00.000Z'); // 03:30 CEST
  });

  it('P1DT12H adds a calendar day, then twelve hours', () => {
    const monday9 = new Date('2026-01-05T08:00:00Z');
    expect(iso(addDuration(monday9, parseDuration('P1DT12H')!, BRUSSELS))).toBe('2026-01-06T20:00:00.000Z');
  });

  it('P1W is seven calendar days and P1M keeps the day of the month', () => {
    const jan15 = new Date('2026-01-15T09:00:00Z');
    expect(iso(addDuration(jan15, parseDuration('P1W')!, BRUSSELS))).toBe('2026-01-22T09:00:00.000Z');
    expect(iso(addDuration(jan15, parseDuration('P1M')!, BRUSSELS))).toBe('2026-02-15T09:00:00.000Z');
  });

  it('refuses a zone that was not resolved to a known one', () => {
    expect(() => addDuration(new Date('2026-01-05T08:00:00Z'), parseDuration('P1D')!, 'Mars/Olympus')).toThrow(RangeError);
  });
});

describe('addBusinessDays', () => {
  it('Friday 10:00 plus 2 business days is Tuesday 10:00 (the weekend does not count)', () => {
    const friday = new Date('2026-01-09T09:00:00Z'); // 10:00 CET
    expect(iso(addBusinessDays(friday, 2, BRUSSELS))).toBe('2026-01-13T09:00:00.000Z');
  });

  it('a lead entering on Saturday waits until Monday for "1 business day"', () => {
    const saturday = new Date('2026-01-10T14:00:00Z');
    expect(iso(addBusinessDays(saturday, 1, BRUSSELS))).toBe('2026-01-12T14:00:00.000Z');
  });

  it('skips Easter Monday when it is listed as a holiday', () => {
    const goodFriday = new Date('2026-04-03T08:00:00Z'); // 10:00 CEST
    expect(iso(addBusinessDays(goodFriday, 1, BRUSSELS))).toBe('2026-04-06T08:00:00.000Z');
    expect(iso(addBusinessDays(goodFriday, 1, BRUSSELS, ['2026-04-06']))).toBe('2026-04-07T08:00:00.000Z');
  });

  it('keeps 10:00 local across the spring-forward weekend', () => {
    const friday = new Date('2026-03-27T09:00:00Z'); // 10:00 CET
    expect(iso(addBusinessDays(friday, 1, BRUSSELS))).toBe('2026-03-30T08:00:00.000Z'); // 10:00 CEST
  });

  it("counts holidays on the lead's local date, not the UTC date", () => {
    const thursday2330 = new Date('2026-11-06T04:30:00Z'); // Thursday 23:30 in New York
    expect(iso(addBusinessDays(thursday2330, 1, NEW_YORK, ['2026-11-06']))).toBe('2026-11-10T04:30:00.000Z'); // Monday 23:30 EST
  });

  it('zero business days changes nothing', () => {
    const sunday = new Date('2026-01-11T12:00:00Z');
    expect(iso(addBusinessDays(sunday, 0, BRUSSELS))).toBe(iso(sunday));
  });
});
