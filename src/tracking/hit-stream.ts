import { Redis, type RedisOptions } from 'ioredis';
import type { AppConfig } from '../config/app-config.js';
import { redisConnection } from '../infra/queue/queue.module.js';
import type { Logger } from '@nestjs/common';
import { RepeatedLog } from '../common/repeated-log.js';

/**
 * The durable buffer between the public tracking endpoints and PostgreSQL: a Redis stream. The API adds
 * each hit (XADD) before answering; workers read it as one consumer group (XREADGROUP), store a batch,
 * then acknowledge and delete it (XACK + XDEL). A hit read by a worker that died is still pending in the
 * group and is taken over by another worker after a while (XAUTOCLAIM); storing is idempotent by hit id.
 */
export const HIT_GROUP = 'drain';

/** Lua returning how long (ms, by Redis's clock) the first stream entry from `from` on has waited; 0 when none. */
const ageOfFirstFrom = (from: string) => `local first = redis.call('XRANGE', KEYS[1], ${from}, '+', 'COUNT', 1)[1]
  if not first then return 0 end
  local now = redis.call('TIME')
  return math.max(0, now[1] * 1000 + math.floor(now[2] / 1000) - tonumber(string.match(first[1], '^(%d+)')))`;

/**
 * Lua returning how long the oldest hit not yet stored has waited (ms): workers delete each hit once it is
 * stored, and a stream entry's id starts with the millisecond Redis added it. Counts hits a worker took and
 * has not stored yet, also those of a worker that died (taken over after TRACKING_RECLAIM_IDLE_MS).
 */
export const STORING_LAG = ageOfFirstFrom(`'-'`);

/**
 * {@link STORING_LAG} for backpressure: the same, unless the oldest hit a worker took has been held longer
 * than `stuckMs`: then that worker is taken for dead and only hits no worker has taken count (from the drain
 * group's last delivered id on), so a crashed worker does not hold every answer until its hits are taken over.
 */
export function backpressureLag(stuckMs: number): string {
  return `local from = '-'
  local pending = redis.pcall('XPENDING', KEYS[1], '${HIT_GROUP}', '-', '+', 1)
  if type(pending) == 'table' and not pending.err and pending[1] and pending[1][3] > ${Math.floor(stuckMs)} then
    for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
      local f = {}
      for i = 1, #g, 2 do f[g[i]] = g[i + 1] end
      if f['name'] == '${HIT_GROUP}' then from = '(' .. f['last-delivered-id'] end
    end
  end
  ${ageOfFirstFrom('from')}`;
}

export function hitStreamKey(config: Pick<AppConfig, 'queuePrefix'>): string {
  return `${config.queuePrefix}:tracking:hits`;
}

/** Who logs a tracking connection's outage, and what to call the connection in those lines. */
export interface ConnectionLog {
  logger: Pick<Logger, 'warn' | 'log'>;
  what: string;
  /** How often, at most, a connection error is logged while Redis stays unreachable (ms). */
  intervalMs?: number;
}

/**
 * A Redis connection of its own (blocking reads must not share one). An outage is logged as one warning per
 * interval (`{what} connection error`, with how many were left out) and, once the connection is ready again,
 * one line saying so.
 */
export function trackingRedis(config: Pick<AppConfig, 'redisUrl'>, options: RedisOptions, log: ConnectionLog): Redis {
  const redis = new Redis({ ...redisConnection(config.redisUrl), ...options });
  const errors = new RepeatedLog<{ err: string }>((fields) => log.logger.warn(fields, `${log.what} connection error`), log.intervalMs ?? 10_000);
  let failing = false;
  redis.on('error', (err: Error) => {
    failing = true;
    errors.report({ err: err.message });
  });
  redis.on('ready', () => {
    if (!failing) return;
    failing = false;
    log.logger.log(`${log.what}: Redis is reachable again`);
  });
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
