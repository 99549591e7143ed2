const MS = { W: 7 * 86_400_000, D: 86_400_000, H: 3_600_000, M: 60_000, S: 1000 } as const;

// A fixed, linear pattern (never built from input): PnW, PnD, PTnHnMnS and combinations.
const FIXED_LENGTH = /^P(?:(\d{1,6})W)?(?:(\d{1,6})D)?(?:T(?:(\d{1,6})H)?(?:(\d{1,6})M)?(?:(\d{1,6})S)?)?$/;
const CALENDAR = /^P(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+S)?)?$/;

/**
 * The length in milliseconds of an ISO-8601 duration of fixed length (weeks, days, hours, minutes,
 * seconds; whole numbers), e.g. `P7D` → 604 800 000. Returns `null` for anything else, including
 * years and months (which have no fixed length), an empty `P`/`PT`, and zero.
 */
export function parseFixedDuration(text: string): number | null {
  if (text.length > 40) return null;
  const m = FIXED_LENGTH.exec(text);
  if (!m || text.endsWith('T')) return null;
  const [, w, d, h, min, s] = m;
  const ms =
    Number(w ?? 0) * MS.W + Number(d ?? 0) * MS.D + Number(h ?? 0) * MS.H + Number(min ?? 0) * MS.M + Number(s ?? 0) * MS.S;
  return ms > 0 ? ms : null;
}

/** Why `text` is not a usable fixed-length duration, or `null` when it is. */
export function describeDurationProblem(text: string): string | null {
  if (parseFixedDuration(text) !== null) return null;
  if (text.length <= 40 && CALENDAR.test(text) && /\d+[YM]/.test(text.split('T')[0] ?? '')) {
    return 'years and months have no fixed length; use weeks or days (e.g. P30D)';
  }
  return 'must be an ISO-8601 duration longer than zero, such as P7D, P1W or PT12H';
}
