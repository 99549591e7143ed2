/**
 * Repeated soft bounces suppress an address, as commercial ESPs do: a mailbox that has been full for months or a
 * dead domain answering "try again later" is otherwise mailed forever.
 *
 * An address is suppressed (reason `soft_bounces`) once it has collected `limit` soft bounces on distinct messages
 * within the last `windowDays` days, counting only bounces after the latest reset. A reset is a human open or click
 * of the lead's email (the mailbox works after all) or a lift of the address's suppression (an operator said to
 * try again), so the next single soft bounce does not suppress it again at once. A bounce at the very instant of a
 * reset does not count. Several reports of one message count once (the relay may report it again, and a message
 * is one attempt to reach the mailbox); a report that names no message cannot be told apart from another report
 * of the same one, so it does not count. `limit` 0 turns the rule off.
 */
export interface SoftBounceRule {
  /** Soft bounces on distinct messages that suppress the address (SOFT_BOUNCE_LIMIT; 0: never). */
  limit: number;
  /** How far back they count, in days (SOFT_BOUNCE_WINDOW_DAYS). */
  windowDays: number;
}

export interface SoftBounce {
  messageId: string | null;
  at: Date;
}

export interface SoftBounceHistory {
  bounces: readonly SoftBounce[];
  /** Human opens and clicks of the lead's email, and lifts of the address's suppression (any order; the latest counts). */
  resets: readonly Date[];
}

const DAY_MS = 86_400_000;

/** The earliest instant (exclusive) from which soft bounces count at `now`. */
export function softBounceCountFrom(resets: readonly Date[], now: Date, rule: SoftBounceRule): Date {
  let from = now.getTime() - rule.windowDays * DAY_MS;
  for (const reset of resets) {
    const t = reset.getTime();
    if (t > from && t <= now.getTime()) from = t;
  }
  return new Date(from);
}

/** How many distinct messages soft-bounced in the counting period at `now`. */
export function countedSoftBounces(history: SoftBounceHistory, now: Date, rule: SoftBounceRule): number {
  const from = softBounceCountFrom(history.resets, now, rule).getTime();
  const messages = new Set<string>();
  for (const bounce of history.bounces) {
    const t = bounce.at.getTime();
    if (bounce.messageId && t > from && t <= now.getTime()) messages.add(bounce.messageId.toLowerCase());
  }
  return messages.size;
}

/** Whether this many counted soft bounces (countedSoftBounces) suppress the address. */
export function softBounceLimitReached(counted: number, rule: SoftBounceRule): boolean {
  return rule.limit > 0 && counted >= rule.limit;
}
