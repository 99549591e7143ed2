import { Redis, type RedisOptions } from 'ioredis';
import type { AppConfig } from '../config/app-config.js';
import { redisConnection } from '../infra/queue/queue.module.js';

/**
 * The durable buffer between the public tracking endpoints and PostgreSQL: a Redis stream. The API adds
 * each hit (XADD) before answering; workers read it as one consumer group (XREADGROUP), store a batch,
 * then acknowledge and delete it (XACK + XDEL). A hit read by a worker that died is still pending in the
 * group and is taken over by another worker after a while (XAUTOCLAIM); storing is idempotent by hit id.
 */
export const HIT_GROUP = 'drain';

/**
 * Lua returning how long (ms, by Redis's clock) the oldest hit in the stream has waited: workers delete each hit
 * once it is stored, and a stream entry's id starts with the millisecond Redis added it. 0 for an empty stream.
 */
export const STORING_LAG = `local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)[1]
  if not first then return 0 end
  local now = redis.call('TIME')
  return math.max(0, now[1] * 1000 + math.floor(now[2] / 1000) - tonumber(string.match(first[1], '^(%d+)')))`;

export function hitStreamKey(config: Pick<AppConfig, 'queuePrefix'>): string {
  return `${config.queuePrefix}:tracking:hits`;
}

/** A Redis connection of its own (blocking reads must not share one), with errors logged by the caller. */
export function trackingRedis(config: Pick<AppConfig, 'redisUrl'>, options: RedisOptions, onError: (err: Error) => void): Redis {
  const redis = new Redis({ ...redisConnection(config.redisUrl), ...options });
  redis.on('error', onError);
  return redis;
}

/** Creates the consumer group (and the stream) unless they exist; a group made later still sees older entries. */
export async function ensureHitGroup(redis: Redis, key: string): Promise<void> {
  try {
    await redis.xgroup('CREATE', key, HIT_GROUP, '0', 'MKSTREAM');
  } catch (err) {
    if (!String((err as Error).message).includes('BUSYGROUP')) throw err;
  }
}

/** Rate-limits a repeated error log line (a Redis outage would otherwise log once per request). */
export function throttled(intervalMs: number, log: (err: Error) => void): (err: Error) => void {
  let last = 0;
  return (err) => {
    const now = Date.now();
    if (now - last < intervalMs) return;
    last = now;
    log(err);
  };
}
