/**
 * Waits for `work` at most `ms`: true when it fulfilled in time, false when the time ran out first (it goes on,
 * and a later failure of it is ignored). A failure within the time is thrown. For best-effort calls to Redis
 * on a request's path: a BullMQ command waits for Redis as long as it is unreachable, and what such a call
 * does is also done later by a sweep (PostgreSQL is the source of truth), so the request need not wait.
 */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  return (await within(work, ms)) !== undefined;
}

/** {@link settlesWithin} with the work's value: `{ value }` when it fulfilled in time, undefined when the time ran out. */
export async function within<T>(work: Promise<T>, ms: number): Promise<{ value: T } | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const done = work.then((value) => ({ value }));
  done.catch(() => undefined); // a failure after the time ran out is nobody's to handle
  try {
    return await Promise.race([done, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
