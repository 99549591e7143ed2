/** At most `max` nurture emails per lead in any rolling window of `windowMs`, across all programs. */
export interface FrequencyCap {
  max: number;
  windowMs: number;
}

/** Default: at most 3 nurture emails per lead per rolling 7 days. */
export const DEFAULT_FREQUENCY_CAP: FrequencyCap = { max: 3, windowMs: 7 * 86_400_000 };

/**
 * When an earlier nurture email counts as sent, for the cap, at `now`; null when it never reaches the lead.
 * `knownAt` is the best instant its row records: sent → when the relay accepted it; held (its worker stopped
 * mid-send, so it most likely went out and is never re-sent on its own) → when its send began; queued or
 * sending → when it was created. One still waiting for delivery (a backlog, a retry after a temporary
 * failure, a held email an operator released) goes out at some moment from now on, however long ago it was
 * queued: it counts as of now, and keeps counting until it is sent, so a send decided now can never make
 * more than `max` go out in a window. Failed and suppressed emails never went out: they count for nothing.
 */
export function capSendTime(status: string, knownAt: Date, now: Date): Date | null {
  switch (status) {
    case 'sent':
    case 'held':
      return knownAt;
    case 'queued':
    case 'sending':
      return knownAt.getTime() > now.getTime() ? knownAt : now;
    default:
      return null;
  }
}

/**
 * True when one more send at `at` keeps every rolling window [a, a + windowMs) at most `max`
 * sends, counting `sentAt` (which may include sends already planned for later).
 */
export function fitsFrequencyCap(sentAt: readonly Date[], at: Date, cap: FrequencyCap): boolean {
  assertCap(cap);
  const t = at.getTime();
  const nearby = sentAt.map((d) => d.getTime()).filter((s) => Math.abs(s - t) < cap.windowMs);
  const times = [...nearby, t].sort((a, b) => a - b);
  // The busiest window holding `t` can be taken to start at a send time between t - windowMs and t.
  for (let i = 0; i < times.length; i++) {
    if (times[i] <= t - cap.windowMs || times[i] > t) continue;
    let count = 0;
    for (let j = i; j < times.length && times[j] < times[i] + cap.windowMs; j++) count++;
    if (count > cap.max) return false;
  }
  return true;
}

/**
 * The earliest instant at or after `desired` at which one more email fits the cap: `desired`
 * itself, or the moment enough earlier sends have left the rolling window. A send over the cap is
 * deferred, never dropped.
 */
export function nextAllowedSend(sentAt: readonly Date[], desired: Date, cap: FrequencyCap): Date {
  assertCap(cap);
  if (fitsFrequencyCap(sentAt, desired, cap)) return desired;
  // Room can only appear when a send leaves the window, i.e. at some sent time + windowMs.
  const candidates = sentAt
    .map((d) => d.getTime() + cap.windowMs)
    .filter((ms) => ms > desired.getTime())
    .sort((a, b) => a - b);
  for (const ms of candidates) {
    if (fitsFrequencyCap(sentAt, new Date(ms), cap)) return new Date(ms);
  }
  throw new Error('unreachable: one window after the last send there is always room');
}

function assertCap(cap: FrequencyCap): void {
  if (!Number.isInteger(cap.max) || cap.max < 1) throw new RangeError(`A frequency cap allows at least 1 email, got ${cap.max}.`);
  if (!Number.isFinite(cap.windowMs) || cap.windowMs <= 0) {
    throw new RangeError(`A frequency cap window must be positive, got ${cap.windowMs}.`);
  }
}
