import { DateTime } from 'luxon';
import { WEEKDAYS, type SendWindow } from './program-definition.js';
import { assertTimeZone, instantsAtWallClock, offsetChangesBetween, offsetMinutesAt } from './time-zone.js';

const DAY_MS = 86_400_000;
/** The search for the next opening looks ahead a few days at a time; a valid window opens within a week or two. */
const CHUNK_MS = 3 * DAY_MS;
const MAX_CHUNKS = 150;

/** 'HH:mm' → minutes after local midnight ('24:00' → 1440). */
export function clockToMinutes(clock: string): number {
  const match = /^(\d{2}):(\d{2})$/.exec(clock);
  const minutes = match ? Number(match[1]) * 60 + Number(match[2]) : NaN;
  if (!match || Number(match[2]) > 59 || minutes > 1440) throw new RangeError(`"${clock}" is not a time HH:mm.`);
  return minutes;
}

/**
 * True when `at`, seen on the wall clock of `zone`, is on an allowed weekday and at or after
 * `from` but before `to`. During a DST overlap both passes of the repeated hour count.
 */
export function isInsideWindow(at: Date, window: SendWindow, zone: string): boolean {
  assertTimeZone(zone);
  // The wall clock as a UTC date: cheaper than building a zoned DateTime for every check.
  const local = new Date(at.getTime() + offsetMinutesAt(at.getTime(), zone) * 60_000);
  if (!window.days.includes(WEEKDAYS[(local.getUTCDay() + 6) % 7])) return false;
  const minutes = local.getUTCHours() * 60 + local.getUTCMinutes() + (local.getUTCSeconds() * 1000 + local.getUTCMilliseconds()) / 60_000;
  return minutes >= clockToMinutes(window.from) && minutes < clockToMinutes(window.to);
}

/**
 * When an email due at `due` may go out: `due` itself when it is inside the send window in the
 * lead's zone, else the next opening of the window (usually the next allowed day at `from`).
 * DST-aware: when `from` does not exist that day (spring forward), the window opens the moment the
 * clocks jump past it; when it exists twice (fall back), the first pass counts.
 * `zone` must be valid: resolve unknown zones to the default first (`resolveTimeZone`).
 */
export function nextSendTime(due: Date, window: SendWindow, zone: string): Date {
  assertTimeZone(zone);
  assertWindow(window);
  if (isInsideWindow(due, window, zone)) return due;
  let start = due.getTime();
  for (let chunk = 0; chunk < MAX_CHUNKS; chunk++) {
    const opening = firstOpeningIn(start, start + CHUNK_MS, window, zone);
    if (opening) return opening;
    start += CHUNK_MS;
  }
  throw new RangeError(`The send window ${window.days.join(',')} ${window.from}-${window.to} never opens in ${zone}.`);
}

/**
 * The earliest instant in [startMs, endMs) at which the window opens. The window can only open
 * when the local clock reaches `from`, or when the clock jumps (a DST change) into the window.
 */
function firstOpeningIn(startMs: number, endMs: number, window: SendWindow, zone: string): Date | undefined {
  const from = clockToMinutes(window.from);
  const candidates = offsetChangesBetween(new Date(startMs), new Date(endMs), zone).map((d) => d.getTime());
  const firstDay = DateTime.fromMillis(startMs, { zone });
  const lastDay = DateTime.fromMillis(endMs, { zone });
  const last = DateTime.utc(lastDay.year, lastDay.month, lastDay.day).toMillis();
  for (let day = DateTime.utc(firstDay.year, firstDay.month, firstDay.day); day.toMillis() <= last; day = day.plus({ days: 1 })) {
    const wall = { year: day.year, month: day.month, day: day.day, hour: Math.floor(from / 60), minute: from % 60 };
    for (const instant of instantsAtWallClock(wall, zone)) candidates.push(instant.getTime());
  }
  const openings = candidates
    .filter((ms) => ms >= startMs && ms < endMs && isInsideWindow(new Date(ms), window, zone))
    .sort((a, b) => a - b);
  return openings.length > 0 ? new Date(openings[0]) : undefined;
}

function assertWindow(window: SendWindow): void {
  if (window.days.length === 0) throw new RangeError('A send window needs at least one day.');
  if (clockToMinutes(window.from) >= clockToMinutes(window.to)) {
    throw new RangeError(`A send window must close after it opens (${window.from}-${window.to}).`);
  }
}
