import { instantsAtWallClock, isValidTimeZone, offsetChangesBetween, resolveTimeZone } from './time-zone.js';

const BRUSSELS = 'Europe/Brussels';
const isoList = (dates: Date[]) => dates.map((d) => d.toISOString());

describe('time zones', () => {
  it("uses the lead's zone when it is known, else the default", () => {
    expect(resolveTimeZone('America/New_York', BRUSSELS)).toBe('America/New_York');
    expect(resolveTimeZone('Mars/Olympus', BRUSSELS)).toBe(BRUSSELS);
    expect(resolveTimeZone('', BRUSSELS)).toBe(BRUSSELS);
    expect(resolveTimeZone(null, BRUSSELS)).toBe(BRUSSELS);
    expect(isValidTimeZone('Europe/Brussels')).toBe(true);
    expect(isValidTimeZone('CET+1')).toBe(false);
  });

  it('an ordinary wall-clock time is one instant', () => {
    expect(isoList(instantsAtWallClock({ year: 2026, month: 1, day: 5, hour: 9, minute: 0 }, BRUSSELS))).toEqual(['2026-01-05T08:00:00.000Z']);
  });

  it('02:30 on the spring-forward Sunday never happens in Brussels', () => {
    expect(instantsAtWallClock({ year: 2026, month: 3, day: 29, hour: 2, minute: 30 }, BRUSSELS)).toEqual([]);
  });

  it('02:30 on the fall-back Sunday happens twice in Brussels, summer time first', () => {
    expect(isoList(instantsAtWallClock({ year: 2026, month: 10, day: 25, hour: 2, minute: 30 }, BRUSSELS))).toEqual([
      '2026-10-25T00:30:00.000Z',
      '2026-10-25T01:30:00.000Z',
    ]);
  });

  it('finds the moments the clocks change', () => {
    const year = offsetChangesBetween(new Date('2026-01-01T00:00:00Z'), new Date('2027-01-01T00:00:00Z'), BRUSSELS);
    expect(isoList(year)).toEqual(['2026-03-29T01:00:00.000Z', '2026-10-25T01:00:00.000Z']);
    const newYork = offsetChangesBetween(new Date('2026-03-01T00:00:00Z'), new Date('2026-03-31T00:00:00Z'), 'America/New_York');
    expect(isoList(newYork)).toEqual(['2026-03-08T07:00:00.000Z']);
  });

  it('counts a change at the very start of the range and not one at its end', () => {
    const change = new Date('2026-03-29T01:00:00Z');
    expect(isoList(offsetChangesBetween(change, new Date('2026-03-30T00:00:00Z'), BRUSSELS))).toEqual([change.toISOString()]);
    expect(offsetChangesBetween(new Date('2026-03-28T00:00:00Z'), change, BRUSSELS)).toEqual([]);
  });
});
