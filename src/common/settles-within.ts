/**
 * Waits for `work` at most `ms`: true when it fulfilled in time, false when the time ran out first (it goes on,
 * and a later failure of it is ignored). A failure within the time is thrown. For best-effort calls to Redis
 * on a request's path: a BullMQ command waits for Redis as long as it is unreachable, and what such a call
 * does is also done later by a sweep (PostgreSQL is the source of truth), so the request need not wait.
 */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const done = work.then(() => true);
  done.catch(() => undefined); // a failure after the time ran out is nobody's to handle
  try {
    return await Promise.race([done, new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
