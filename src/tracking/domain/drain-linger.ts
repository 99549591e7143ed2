/** When a drain loop stores without waiting: a chunk of `minBatch` hits, or nothing to wait for after `lingerMs`. */
export interface LingerSettings {
  minBatch: number;
  lingerMs: number;
}

/** The longest single wait between two reads while lingering (ms), so a filling chunk is noticed soon. */
export const LINGER_STEP_MS = 25;

/**
 * How long a drain loop waits for more hits before storing the ones it has read. Storing costs a fixed amount
 * per transaction (statements, triggers, commit) on top of the cost per hit, so a few hundred hits cost
 * noticeably more each than a thousand: under load it pays to gather a bigger chunk. The wait is
 * bounded by the age of the oldest hit read, so no hit waits longer than `lingerMs` for company, and a full
 * chunk (`minBatch`) or an empty read never waits.
 *
 * `oldestMs` is when the oldest hit entered the buffer (the time part of its stream entry id, by the buffer's
 * clock); `nowMs` the current time; `waitedMs` how long this loop has lingered already (by its own clock, so a
 * buffer clock ahead of ours can never stretch the wait past `lingerMs`). Returns the ms to wait before
 * reading again (0: store now).
 */
export function lingerWait(count: number, oldestMs: number, nowMs: number, waitedMs: number, s: LingerSettings): number {
  if (count === 0 || count >= s.minBatch || s.lingerMs <= 0) return 0;
  const age = nowMs - oldestMs > 0 ? nowMs - oldestMs : 0; // NaN (no time in the id) counts as fresh
  const left = s.lingerMs - Math.max(age, waitedMs);
  return left <= 0 ? 0 : Math.min(left, LINGER_STEP_MS);
}

/** The milliseconds part of a Redis stream entry id (`1700000000000-3` → 1700000000000); NaN if it has none. */
export function streamIdMs(id: string): number {
  const dash = id.indexOf('-');
  return Number(dash < 0 ? id : id.slice(0, dash));
}
