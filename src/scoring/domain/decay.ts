/**
 * Engagement decays exponentially with a half-life. A score is stored as a value at a moment
 * (`asOf`) and decayed on read, so nothing is rewritten at night and any past or future moment
 * can be answered exactly.
 */

const DAY_MS = 86_400_000;

/** An engagement score as it stood at `asOf`. */
export interface ScoreState {
  value: number;
  asOf: Date;
}

/** What remains of one point after `elapsedMs`: 1 at zero (or negative) elapsed time, ½ after one half-life. */
export function decayFactor(elapsedMs: number, halfLifeDays: number): number {
  if (!(halfLifeDays > 0) || !Number.isFinite(halfLifeDays)) {
    throw new RangeError(`halfLifeDays must be a positive number, got ${halfLifeDays}`);
  }
  if (!(elapsedMs > 0)) return 1;
  return Math.pow(2, -elapsedMs / (halfLifeDays * DAY_MS));
}

/** The score at `at`. A moment before `asOf` returns the stored value: decay never runs backwards. */
export function scoreAt(state: ScoreState, at: Date, halfLifeDays: number): number {
  return state.value * decayFactor(at.getTime() - state.asOf.getTime(), halfLifeDays);
}

/**
 * {@link scoreAt} in SQL (double precision), from SQL expressions for the stored value, its `asOf`, the moment
 * `at` (timestamptz) and the half-life in days: the same decay, never running backwards.
 */
export function scoreAtSql(value: string, asOf: string, at: string, halfLifeDays: string): string {
  return `(${value} * CASE WHEN ${asOf} < ${at} THEN power(2::float8, -(extract(epoch FROM (${at} - ${asOf})) / 86400) / ${halfLifeDays}) ELSE 1 END)`;
}

/** What `points` earned at `occurredAt` are worth at `at`. */
export function currentPoints(points: number, occurredAt: Date, at: Date, halfLifeDays: number): number {
  return points * decayFactor(at.getTime() - occurredAt.getTime(), halfLifeDays);
}

/**
 * The score after adding `points` earned at `occurredAt`, recorded at `now`. The new state is as of
 * the later of `state.asOf` and `now`. A past-dated contribution has already decayed since its own
 * `occurredAt`; a future-dated one is treated as happening `now`.
 */
export function addContribution(
  state: ScoreState,
  points: number,
  occurredAt: Date,
  now: Date,
  halfLifeDays: number,
): ScoreState {
  const asOf = Math.max(state.asOf.getTime(), now.getTime());
  const earnedAt = Math.min(occurredAt.getTime(), now.getTime());
  const value =
    state.value * decayFactor(asOf - state.asOf.getTime(), halfLifeDays) +
    points * decayFactor(asOf - earnedAt, halfLifeDays);
  return { value, asOf: new Date(asOf) };
}
