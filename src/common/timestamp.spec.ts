import { isTimestamp, parseTimestamp } from './timestamp.js';

describe('reading ISO-8601 timestamps', () => {
  it('reads an instant with its offset', () => {
    expect(parseTimestamp('2026-03-02T10:00:00+01:00')?.toISOString()).toBe('2026-03-02T09:00:00.000Z');
    expect(parseTimestamp('2026-03-02T10:00Z')?.toISOString()).toBe('2026-03-02T10:00:00.000Z');
    expect(parseTimestamp('2024-02-29T23:59:59.123456Z')?.toISOString()).toBe('2024-02-29T23:59:59.123Z');
  });

  it.each([
    ['30 February', '2026-02-30T00:00:00Z'],
    ['29 February of a common year', '2026-02-29T00:00:00Z'],
    ['31 April', '2026-04-31T00:00:00Z'],
    ['month 13', '2026-13-01T00:00:00Z'],
    ['day 0', '2026-01-00T00:00:00Z'],
    ['year 0', '0000-01-01T00:00:00Z'],
    ['hour 24', '2026-01-01T24:00:00Z'],
    ['minute 60', '2026-01-01T10:60:00Z'],
    ['a leap second', '2026-01-01T23:59:60Z'],
    ['an offset of 25 hours', '2026-01-01T10:00:00+25:00'],
    ['an offset of 70 minutes', '2026-01-01T10:00:00+01:70'],
    ['nonsense', '9999-99-99'],
    ['a date in another format', '02/03/2026'],
    ['a number', 1767225600000],
  ])('refuses %s rather than rolling it over', (_name, text) => {
    expect(parseTimestamp(text)).toBeNull();
    expect(parseTimestamp(text, { requireOffset: false })).toBeNull();
  });

  it('requires the time and an offset unless told otherwise', () => {
    expect(isTimestamp('2026-03-02T10:00:00')).toBe(false);
    expect(isTimestamp('2026-03-02')).toBe(false);
    expect(parseTimestamp('2026-03-02T10:00:00', { requireOffset: false })?.toISOString()).toBe('2026-03-02T10:00:00.000Z');
    expect(parseTimestamp('2026-03-02', { requireOffset: false })?.toISOString()).toBe('2026-03-02T00:00:00.000Z');
  });
});
