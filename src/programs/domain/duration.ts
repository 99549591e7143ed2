import { DateTime } from 'luxon';
import { assertTimeZone } from './time-zone.js';

/** An ISO-8601 duration split into its parts; calendar parts stay calendar parts (P1D is not 24 hours). */
export interface Duration {
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

const DURATION_PATTERN =
  /^P(?:(\d{1,6})Y)?(?:(\d{1,6})M)?(?:(\d{1,6})W)?(?:(\d{1,6})D)?(?:T(?:(\d{1,6})H)?(?:(\d{1,6})M)?(?:(\d{1,6})S)?)?$/;

/**
 * Parses an ISO-8601 duration with whole-number parts (`P3D`, `PT2H`, `P1W`, `P1DT12H`, `PT30M`).
 * Returns undefined for anything else: empty `P`, a dangling `T`, fractions, signs, spaces, lowercase.
 */
export function parseDuration(text: string): Duration | undefined {
  if (typeof text !== 'string') return undefined;
  const match = DURATION_PATTERN.exec(text);
  if (!match || text === 'P' || text.endsWith('T')) return undefined;
  const [years, months, weeks, days, hours, minutes, seconds] = match.slice(1).map((part) => Number(part ?? 0));
  return { years, months, weeks, days, hours, minutes, seconds };
}

/** True when every part of the duration is zero (`P0D`). */
export function isZeroDuration(d: Duration): boolean {
  return Object.values(d).every((part) => part === 0);
}

/** True when the duration is a number of days only (`P3D`), so it can be counted in business days. */
export function isWholeDays(d: Duration): boolean {
  return d.years === 0 && d.months === 0 && d.weeks === 0 && d.hours === 0 && d.minutes === 0 && d.seconds === 0;
}

/**
 * Adds a duration to an instant, calendar-aware in `zone`: years, months, weeks and days move the
 * local date and keep the wall-clock time (P1D across a DST change is still "same time tomorrow");
 * hours, minutes and seconds are elapsed time. A wall-clock time that does not exist (DST gap)
 * moves forward by the gap.
 */
export function addDuration(at: Date, d: Duration, zone: string): Date {
  assertTimeZone(zone);
  return DateTime.fromJSDate(at, { zone })
    .plus({ years: d.years, months: d.months, weeks: d.weeks, days: d.days })
    .plus({ hours: d.hours, minutes: d.minutes, seconds: d.seconds })
    .toJSDate();
}

/**
 * Moves forward `days` business days in `zone`, skipping Saturdays, Sundays and the given holidays
 * ('YYYY-MM-DD', local dates), and keeps the wall-clock time. Friday + 1 is Monday; Saturday + 1 is Monday.
 */
export function addBusinessDays(at: Date, days: number, zone: string, holidays: readonly string[] = []): Date {
  assertTimeZone(zone);
  if (!Number.isInteger(days) || days < 0) throw new RangeError(`Business days must be a whole number ≥ 0, got ${days}.`);
  const start = DateTime.fromJSDate(at, { zone });
  const closed = new Set(holidays);
  // Walk calendar dates in UTC so a DST gap on a skipped day cannot shift the time of day.
  let date = DateTime.utc(start.year, start.month, start.day);
  let remaining = days;
  while (remaining > 0) {
    date = date.plus({ days: 1 });
    if (date.weekday <= 5 && !closed.has(date.toISODate() ?? '')) remaining -= 1;
  }
  if (days === 0) return new Date(at.getTime());
  return DateTime.fromObject(
    {
      year: date.year,
      month: date.month,
      day: date.day,
      hour: start.hour,
      minute: start.minute,
      second: start.second,
      millisecond: start.millisecond,
    },
    { zone },
  ).toJSDate();
}
