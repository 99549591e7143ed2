import { DateTime } from 'luxon';
import { DomainError, ErrorCode } from '../../common/domain-error.js';
import { OfficeWeek, WEEKDAYS, parseClockTime, validateOfficeWeek } from './office-week.js';

export { DEFAULT_OFFICE_WEEK, WEEKDAYS, validateOfficeWeek } from './office-week.js';
export type { OfficeInterval, OfficeWeek, Weekday } from './office-week.js';

/** How far ahead {@link addOfficeTime} looks for office time before it gives up (about ten years). */
export const MAX_OFFICE_SEARCH_DAYS = 3660;

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** An open stretch of office time between two instants (epoch ms, end exclusive). */
interface OpenSpan {
  start: number;
  end: number;
}

/** A validated week with openings as minutes after local midnight, per ISO weekday (index 0 = Monday). */
interface CompiledWeek {
  zone: string;
  openings: [number, number][][];
  holidays: Set<string>;
}

/**
 * The instant when `minutes` of office time have passed after `start`; only time inside an opening counts.
 * Friday 16:55 plus 15 minutes is Monday 09:10 in the default week. A deadline that uses up an opening
 * exactly lands on its closing time (Friday 16:45 + 15 minutes is Friday 17:00). Zero minutes is `start`.
 * Throws a validation {@link DomainError} for an unusable week (including one without any opening) and
 * an unprocessable one when the office time is not found within {@link MAX_OFFICE_SEARCH_DAYS}.
 */
export function addOfficeTime(start: Date, minutes: number, week: OfficeWeek): Date {
  if (!Number.isFinite(minutes) || minutes < 0) {
    throw DomainError.invalidField('minutes', 'must be a number of minutes, zero or more');
  }
  const compiled = compile(week);
  let remaining = Math.round(minutes * MINUTE_MS);
  if (remaining === 0) return new Date(start.getTime());
  for (const span of openSpans(start.getTime(), compiled, MAX_OFFICE_SEARCH_DAYS)) {
    const length = span.end - span.start;
    if (remaining <= length) return new Date(span.start + remaining);
    remaining -= length;
  }
  throw noRoom(start, `${minutes} office minutes`);
}

function noRoom(start: Date, what: string): DomainError {
  return new DomainError(ErrorCode.Unprocessable, `The office week has no room for ${what} within ${MAX_OFFICE_SEARCH_DAYS} days of ${start.toISOString()}.`);
}

/**
 * Office minutes between two instants (fractional when they are not on whole minutes);
 * negative when `b` is before `a`. Inverse of {@link addOfficeTime}.
 */
export function officeMinutesBetween(a: Date, b: Date, week: OfficeWeek): number {
  const from = a.getTime();
  const to = b.getTime();
  if (to < from) return -officeMinutesBetween(b, a, week);
  const compiled = compile(week);
  const days = Math.ceil((to - from) / DAY_MS) + 2;
  let total = 0;
  for (const span of openSpans(from, compiled, days)) {
    if (span.start >= to) break;
    total += Math.min(span.end, to) - span.start;
  }
  return total / MINUTE_MS;
}

/**
 * The deadline `days` office days after `start`: the same office time on the `days`-th next office day (a day
 * that is not a holiday and has an opening). Counting starts at the first office instant at or after `start`,
 * so Friday 16:55 plus one office day is Monday 16:55, and Saturday noon plus one is Tuesday 09:00 in the
 * default week. When that day is closed at that time of day (shorter hours, a break) the deadline is its next
 * opening that day, or its last closing time when the day is over by then: it never runs into a further office
 * day. Zero days is `start`. Throws like {@link addOfficeTime}.
 */
export function addOfficeDays(start: Date, days: number, week: OfficeWeek): Date {
  if (!Number.isInteger(days) || days < 0) throw DomainError.invalidField('days', 'must be a whole number of office days, zero or more');
  const compiled = compile(week);
  if (days === 0) return new Date(start.getTime());
  const first = openSpans(start.getTime(), compiled, MAX_OFFICE_SEARCH_DAYS).next();
  if (first.done) throw noRoom(start, `${days} office days`);
  const from = DateTime.fromMillis(first.value.start, { zone: compiled.zone });
  const timeOfDay = ((from.hour * 60 + from.minute) * 60 + from.second) * 1000 + from.millisecond; // wall clock, not time elapsed
  let day = from.startOf('day');
  let spans: OpenSpan[] = [];
  for (let found = 0, scanned = 0; found < days; scanned++) {
    if (scanned > MAX_OFFICE_SEARCH_DAYS) throw noRoom(start, `${days} office days`);
    day = day.plus({ days: 1 });
    spans = daySpans(day, compiled);
    if (spans.length > 0) found++;
  }
  const minute = Math.floor(timeOfDay / MINUTE_MS);
  const target = localInstant(day, minute) + (timeOfDay - minute * MINUTE_MS);
  const open = spans.find((s) => s.end > target);
  return new Date(open ? Math.max(open.start, target) : spans[spans.length - 1].end);
}

/** Whether the office is open at `at` (openings include their start, exclude their end). */
export function isOpen(at: Date, week: OfficeWeek): boolean {
  const first = openSpans(at.getTime(), compile(week), 0).next();
  return !first.done && first.value.start === at.getTime();
}

/**
 * Open spans in time order from `from` on, starting with the local day that contains `from`
 * and scanning at most `maxDays` further days. A span already running at `from` is cut to start there.
 */
function* openSpans(from: number, week: CompiledWeek, maxDays: number): Generator<OpenSpan> {
  let day = DateTime.fromMillis(from, { zone: week.zone }).startOf('day');
  let previousEnd = from;
  for (let scanned = 0; scanned <= maxDays; scanned++, day = day.plus({ days: 1 })) {
    for (const span of daySpans(day, week, previousEnd)) {
      previousEnd = span.end;
      yield span;
    }
  }
}

/** The open spans of one local day in time order (none on a holiday), each starting no earlier than `notBefore`. */
function daySpans(day: DateTime, week: CompiledWeek, notBefore = -Infinity): OpenSpan[] {
  if (week.holidays.has(day.toISODate() ?? '')) return [];
  const spans: OpenSpan[] = [];
  let previousEnd = notBefore;
  for (const [open, close] of week.openings[day.weekday - 1]) {
    const start = Math.max(localInstant(day, open), previousEnd);
    const end = localInstant(day, close);
    if (end <= start) continue;
    previousEnd = end;
    spans.push({ start, end });
  }
  return spans;
}

/**
 * The instant of a wall-clock time (minutes after midnight) on a local day. 24:00 is the next midnight;
 * a time that does not exist (spring-forward gap) becomes the first instant after the gap, where the clock
 * jumps to: an opening 02:30–04:00 on the night clocks go from 02:00 to 03:00 opens at 03:00.
 */
function localInstant(day: DateTime, minuteOfDay: number): number {
  if (minuteOfDay >= 24 * 60) return day.plus({ days: 1 }).toMillis();
  const hour = Math.floor(minuteOfDay / 60);
  const minute = minuteOfDay % 60;
  const at = DateTime.fromObject({ year: day.year, month: day.month, day: day.day, hour, minute }, { zone: day.zone });
  if (at.hour === hour && at.minute === minute) return at.toMillis();
  // In the gap, luxon reads the time with the offset before the change, which lands as far past the jump as
  // the time was past the gap's start. The jump lies after the time read with the later offset.
  const wallMs = Date.UTC(day.year, day.month - 1, day.day, hour, minute);
  const later = at.offset;
  let before = wallMs - later * MINUTE_MS;
  let after = at.toMillis();
  while (after - before > 1) {
    const mid = Math.floor((before + after) / 2);
    if (DateTime.fromMillis(mid, { zone: day.zone }).offset === later) after = mid;
    else before = mid;
  }
  return after;
}

function compile(week: OfficeWeek): CompiledWeek {
  const errors = validateOfficeWeek(week);
  if (errors.length > 0) throw DomainError.validation(errors, `The office week is not usable: ${errors[0].field} ${errors[0].message}.`);
  return {
    zone: week.zone,
    openings: WEEKDAYS.map((day) =>
      week.days[day]
        .map((i): [number, number] => [parseClockTime(i.from) ?? 0, parseClockTime(i.to, true) ?? 0])
        .sort((x, y) => x[0] - y[0]),
    ),
    holidays: new Set(week.holidays),
  };
}
