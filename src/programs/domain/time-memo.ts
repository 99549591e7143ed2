import { addBusinessDays, addDuration, parseDuration } from './duration.js';
import type { SendWindow } from './program-definition.js';
import { nextSendTime } from './send-window.js';

/**
 * Memoised calendar arithmetic. Zone-aware date maths costs tens of microseconds per call (time-zone
 * offsets come from Intl), and a scheduler batch asks the same question for every enrollment it
 * claimed: "P3D after this instant in Europe/Brussels". The functions are pure, so their answers
 * can be kept; the cache is bounded and simply starts over when full.
 */
const MAX_ENTRIES = 20_000;
const cache = new Map<string, number>();

function remember(key: string, compute: () => Date): Date {
  const hit = cache.get(key);
  if (hit !== undefined) return new Date(hit);
  const value = compute();
  if (cache.size >= MAX_ENTRIES) cache.clear();
  cache.set(key, value.getTime());
  return value;
}

/** Each list of holidays asked about, by identity, as a short key (the configured list is one array for the process's life). */
const holidayKeys = new WeakMap<readonly string[], number>();
let holidayLists = 0;

function holidayKey(holidays: readonly string[]): string {
  if (!holidays.length) return '';
  let key = holidayKeys.get(holidays);
  if (key === undefined) holidayKeys.set(holidays, (key = ++holidayLists));
  return String(key);
}

/**
 * `duration` (ISO-8601) after `at` in `zone`; whole days count as business days when asked, skipping weekends and
 * `holidays` (local 'YYYY-MM-DD' dates). A list is remembered by identity: don't change one after passing it.
 */
export function timeAfter(at: Date, duration: string, zone: string, businessDays = false, holidays: readonly string[] = []): Date {
  const closed = businessDays ? holidayKey(holidays) : '';
  return remember(`d|${at.getTime()}|${zone}|${duration}|${businessDays}|${closed}`, () => {
    const parsed = parseDuration(duration);
    if (!parsed) throw new RangeError(`"${duration}" is not an ISO-8601 duration.`);
    return businessDays ? addBusinessDays(at, parsed.days, zone, holidays) : addDuration(at, parsed, zone);
  });
}

/** The send window's next opening at or after `due` in `zone` (`due` itself when inside). */
export function windowOpening(due: Date, window: SendWindow, zone: string): Date {
  return remember(`w|${due.getTime()}|${zone}|${window.days.join(',')}|${window.from}|${window.to}`, () => nextSendTime(due, window, zone));
}
