import { DomainError } from '../../common/domain-error.js';

/** A delivery is retried for at most three days after its first attempt, then marked failed. */
export const MAX_WEBHOOK_AGE_MS = 3 * 24 * 60 * 60 * 1000;
/** Wait after the first failed attempt; each later wait doubles. */
export const FIRST_RETRY_DELAY_MS = 30 * 1000;
/** No single wait is longer than six hours (before jitter). */
export const MAX_RETRY_DELAY_MS = 6 * 60 * 60 * 1000;
/** Each wait is moved by up to ±20 % so failed receivers are not hit by all senders at once. */
export const RETRY_JITTER = 0.2;
/** How many retries fit in three days when every wait gets the longest jitter (18 with the defaults). */
export const MAX_WEBHOOK_RETRIES = countRetries();

/**
 * How long to wait after failed attempt number `attempt` (1 = the first delivery) before trying again,
 * or null when the delivery should give up. Waits are 30 s, 1 min, 2 min, 4 min … capped at 6 h, each
 * with ±20 % jitter from `random` (a number in [0, 1)). A retry is only scheduled when even the
 * longest possible jitter on every wait so far keeps the whole schedule within {@link MAX_WEBHOOK_AGE_MS},
 * so the waits of one delivery never add up to more than three days.
 */
export function nextAttemptDelayMs(attempt: number, random: () => number): number | null {
  if (!Number.isSafeInteger(attempt) || attempt < 1) {
    throw DomainError.invalidField('attempt', 'must be the number of the failed attempt, 1 or more');
  }
  if (attempt > MAX_WEBHOOK_RETRIES) return null;
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(nominalDelayMs(attempt) * (1 + RETRY_JITTER * (2 * r - 1)));
}

/** The wait after failed attempt `attempt`, without jitter. */
export function nominalDelayMs(attempt: number): number {
  return Math.min(FIRST_RETRY_DELAY_MS * 2 ** Math.min(attempt - 1, 40), MAX_RETRY_DELAY_MS);
}

function countRetries(): number {
  let retries = 0;
  let worstCaseTotal = 0;
  for (;;) {
    worstCaseTotal += nominalDelayMs(retries + 1) * (1 + RETRY_JITTER);
    if (worstCaseTotal > MAX_WEBHOOK_AGE_MS) return retries;
    retries += 1;
  }
}
