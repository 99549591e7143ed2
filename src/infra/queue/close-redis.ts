import type { Redis } from 'ioredis';
import { settlesWithin } from '../../common/settles-within.js';

/** How long a connected client's QUIT may take at shutdown before the connection is simply dropped. */
const QUIT_WAIT_MS = 1000;

/**
 * Closes a Redis client at shutdown without waiting on a server that does not answer. A connected client
 * sends QUIT (its replies so far are read first) and is closed once the connection has ended, within a second;
 * one that is not connected (never was, or lost its server and keeps reconnecting) is dropped at once: it stops
 * reconnecting, and commands still waiting for a connection are left unanswered. Without that, QUIT waits in
 * the offline queue for a connection that may never come, and a process told to stop while Redis is down
 * never exits.
 */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  if (redis.status !== 'ready') {
    redis.disconnect();
    return;
  }
  const ended = new Promise<void>((resolve) => redis.once('end', () => resolve()));
  await settlesWithin(redis.quit().then(() => ended), QUIT_WAIT_MS).catch(() => false);
  if ((redis.status as string) !== 'end') redis.disconnect(); // QUIT failed or did not finish in time
}
