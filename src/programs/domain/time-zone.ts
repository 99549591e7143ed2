import { DateTime, IANAZone } from 'luxon';

/** A calendar date and wall-clock time, without a zone. */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** Zones already found valid; checking a zone with Intl is slow and the answer never changes. */
const knownZones = new Set<string>();

/** True when `zone` is an IANA time zone name this runtime knows (e.g. 'Europe/Brussels'). */
export function isValidTimeZone(zone: string): boolean {
  if (knownZones.has(zone)) return true;
  const valid = typeof zone === 'string' && zone.length > 0 && IANAZone.isValidZone(zone);
  if (valid) knownZones.add(zone);
  return valid;
}

/** The lead's zone when it is valid, else the fallback (the configured default, e.g. Europe/Brussels). */
export function resolveTimeZone(zone: string | null | undefined, fallback: string): string {
  return zone && isValidTimeZone(zone) ? zone : fallback;
}

/** Domain functions take an already resolved zone; an invalid one is a programming error. */
export function assertTimeZone(zone: string): void {
  if (!isValidTimeZone(zone)) throw new RangeError(`Unknown time zone "${zone}"; resolve it with resolveTimeZone first.`);
}

/** UTC offset of `zone` at an instant, in minutes. */
export function offsetMinutesAt(ms: number, zone: string): number {
  return DateTime.fromMillis(ms, { zone }).offset;
}

/**
 * Every instant at which the wall clock in `zone` shows `local`, earliest first:
 * none when the time falls in a DST gap, two when it falls in a DST overlap.
 */
export function instantsAtWallClock(local: WallClock, zone: string): Date[] {
  const wallMs = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute);
  const offsets = new Set([-DAY_MS, 0, DAY_MS].map((delta) => offsetMinutesAt(wallMs + delta, zone)));
  const instants = [...offsets]
    .map((offset) => wallMs - offset * MINUTE_MS)
    .filter((ms) => wallMs - offsetMinutesAt(ms, zone) * MINUTE_MS === ms);
  return [...new Set(instants)].sort((a, b) => a - b).map((ms) => new Date(ms));
}

/** Instants in [from, to) at which the zone's UTC offset changes (DST starts or ends), earliest first. */
export function offsetChangesBetween(from: Date, to: Date, zone: string): Date[] {
  const step = 6 * 3_600_000; // zones change offset at most a few times a year, never twice in 6 hours
  const last = to.getTime() - 1;
  const changes: Date[] = [];
  let lo = from.getTime() - 1;
  let loOffset = offsetMinutesAt(lo, zone);
  while (lo < last) {
    const hi = Math.min(lo + step, last);
    const hiOffset = offsetMinutesAt(hi, zone);
    if (hiOffset !== loOffset) changes.push(new Date(firstInstantWithOffset(lo, hi, hiOffset, zone)));
    lo = hi;
    loOffset = hiOffset;
  }
  return changes;
}

/** Binary search for the first millisecond in (lo, hi] whose offset is `offset`. */
function firstInstantWithOffset(lo: number, hi: number, offset: number, zone: string): number {
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetMinutesAt(mid, zone) === offset) hi = mid;
    else lo = mid;
  }
  return hi;
}
