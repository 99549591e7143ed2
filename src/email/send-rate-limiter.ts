import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { redisConnection } from '../infra/queue/queue.module.js';
import { closeRedis } from '../infra/queue/close-redis.js';

/**
 * Reserves the next free send slot, EMAIL_RATE_PER_SECOND shared by every worker through one Redis key
 * (GCRA-style virtual scheduling). Slots are spaced exactly 1/rate apart on Redis' own clock, so no
 * window of any length sees more than rate × length + 1 sends, and there is no burst after a quiet
 * spell. A slot is only handed out up to `horizon` ahead; callers further back wait without reserving.
 * Times are integer microseconds, formatted with %.0f because Lua's tostring would round them.
 */
const RESERVE_SLOT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local horizon = tonumber(ARGV[2])
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
if free < now then free = now end
local wait = free - now
if wait > horizon then return {0, string.format('%.0f', wait), string.format('%.0f', free)} end
redis.call('SET', KEYS[1], string.format('%.0f', free + interval), 'PX', math.floor((wait + interval) / 1000) + 60000)
return {1, string.format('%.0f', wait), string.format('%.0f', free)}
`;

export interface SlotReservation {
  granted: boolean;
  /** Microseconds until the slot (granted) or until the first free slot (not granted). */
  waitUs: number;
  /** The slot's time on the Redis clock, in microseconds. */
  slotUs: number;
}

/** How late after its slot a caller may still send (at most rate × this more in any window: 0.5 % of 10 s). */
export const LATE_TOLERANCE_MS = 50;
/** Slots a caller gives up for waking late before it sends anyway (so a starved process still sends). */
export const MAX_LATE_RETRIES = 3;

type WithReserve = Redis & { reserveEmailSlot(key: string, interval: string, horizon: string): Promise<[number, string, string]> };

@Injectable()
export class SendRateLimiter implements OnApplicationShutdown {
  private redis: WithReserve | null = null;
  private readonly key: string;
  private readonly intervalUs: number;
  private readonly horizonUs: number;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    const rate = config.email.ratePerSecond;
    this.key = `${config.queuePrefix}:email:send-rate`;
    this.intervalUs = rate > 0 ? Math.max(1, Math.round(1_000_000 / rate)) : 0;
    this.horizonUs = Math.max(1_000_000, 5 * this.intervalUs);
  }

  get limited(): boolean {
    return this.intervalUs > 0;
  }

  /**
   * Resolves when this caller may send: at its reserved slot. Returns at once when there is no limit.
   *
   * A caller that wakes more than LATE_TOLERANCE_MS after its slot (its process could not run: a busy CPU, a
   * long GC) gives that slot up and reserves a new one, up to MAX_LATE_RETRIES times: slots are spaced 1/rate
   * apart, but callers that all overslept would otherwise send together, and a window that starts just
   * before such a bunch sees more than the rate. Giving up a slot only ever sends less.
   */
  async acquire(): Promise<void> {
    if (!this.limited) return;
    for (let late = 0; ; ) {
      const asked = this.elapsedMs();
      const slot = await this.reserve();
      if (slot.granted) {
        if (slot.waitUs >= 1000) await this.pause(slot.waitUs / 1000);
        // `asked` precedes Redis' clock reading by the round trip, so this errs towards late, by well under a ms.
        if (this.elapsedMs() - (asked + slot.waitUs / 1000) <= LATE_TOLERANCE_MS || late >= MAX_LATE_RETRIES) return;
        late += 1;
        continue;
      }
      await this.pause(Math.min(1000, (slot.waitUs - this.horizonUs) / 1000 + 1));
    }
  }

  /** Waits `ms`. */
  protected pause(ms: number): Promise<void> {
    return sleep(ms);
  }

  /** A monotonic clock in ms for measuring how late a caller woke (a method, so a test can make it oversleep). */
  protected elapsedMs(): number {
    return performance.now();
  }

  /** Reserves the next slot if it lies within the horizon. */
  async reserve(): Promise<SlotReservation> {
    const [granted, wait, slot] = await this.client().reserveEmailSlot(this.key, String(this.intervalUs), String(this.horizonUs));
    return { granted: granted === 1, waitUs: Number(wait), slotUs: Number(slot) };
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.redis) await closeRedis(this.redis);
  }

  private client(): WithReserve {
    if (!this.redis) {
      const redis = new Redis({ ...redisConnection(this.config.redisUrl), maxRetriesPerRequest: 3, lazyConnect: false });
      redis.on('error', () => undefined); // surfaced by the command that fails; the job is retried
      redis.defineCommand('reserveEmailSlot', { numberOfKeys: 1, lua: RESERVE_SLOT });
      this.redis = redis as WithReserve;
    }
    return this.redis;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
