const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2}))?)?$/;

export interface TimestampRules {
  /** The time and a UTC offset (`Z` or `±hh:mm`) must be given: no date alone, no local time. Default true. */
  requireOffset?: boolean;
}

function daysIn(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * Reads an ISO-8601 timestamp such as `2026-03-02T10:00:00+01:00`, or null when it is not one or names an instant
 * that does not exist (30 February, hour 24, second 60, offset past ±14:59): `new Date()` would roll those over
 * silently and PostgreSQL would refuse some of them with an error. Without an offset (only when allowed) the
 * time is read as UTC.
 */
export function parseTimestamp(text: unknown, rules: TimestampRules = {}): Date | null {
  if (typeof text !== 'string') return null;
  const m = TIMESTAMP.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, offset, oh, om] = m;
  if ((rules.requireOffset ?? true) && !offset) return null;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return null;
  if (h !== undefined && (Number(h) > 23 || Number(mi) > 59 || Number(s ?? 0) > 59)) return null;
  if (oh !== undefined && (Number(oh) > 14 || Number(om) > 59)) return null;
  const at = new Date(h === undefined ? `${text}T00:00:00Z` : offset ? text : `${text}Z`);
  return Number.isNaN(at.getTime()) ? null : at;
}

/** Whether `text` is an ISO-8601 timestamp of an instant that exists (see parseTimestamp). */
export function isTimestamp(text: unknown, rules: TimestampRules = {}): text is string {
  return parseTimestamp(text, rules) !== null;
}
