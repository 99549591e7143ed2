import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { Batcher } from '../common/batcher.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { encodeHit, type TrackingHit } from './domain/tracking-hit.js';
import { HitRecorder } from './hit-recorder.service.js';
import { RepeatedLog } from '../common/repeated-log.js';
import { backpressureLag, hitStreamKey, trackingRedis } from './hit-stream.js';
import { closeRedis } from '../infra/queue/close-redis.js';

const PUSH_TIMEOUT_MS = 1000;
/** How often a held answer looks whether storing has caught up. */
const LAG_POLL_MS = 10;

/** Most hits added by one script call; more in the same moment go in the next. */
const MAX_BATCH = 1000;

/**
 * Adds each argument as one stream entry `h <hit>`: the same entries as one XADD per hit, so workers read them
 * the same way, but one command (one round trip, parsed once by Redis) for all the hits of a moment. Returns
 * the storing lag that backpressure goes by (`lag`, from {@link backpressureLag}).
 * A script runs atomically: all its entries are added or, if Redis fails part-way, the caller stores them all in
 * PostgreSQL (storing is idempotent by hit id, so an entry added as well is not stored twice).
 */
const addHitsScript = (lag: string) => `for i = 1, #ARGV do redis.call('XADD', KEYS[1], '*', 'h', ARGV[i]) end ${lag}`;

type HitRedis = Redis & { addTrackingHits(key: string, ...hits: string[]): Promise<number>; trackingLag(key: string): Promise<number> };

/**
 * Batches flushing at once: a flush that waits for Redis (up to PUSH_TIMEOUT_MS) and then PostgreSQL must not
 * hold back the hits that arrive meanwhile.
 */
const PARALLEL_FLUSHES = 8;

/**
 * Where the public endpoints hand over an open or click. The hits that arrive within TRACKING_BUFFER_LINGER_MS
 * of the first one (with 0: in one turn of the event loop) are added to the Redis stream together (one script
 * call, through the shared Batcher), and each request is answered once its hit is in Redis — so a hit that was
 * answered is kept even if this process dies next. When Redis does not answer in time the batch is written to
 * PostgreSQL directly instead (same ids, so a late add is not stored twice); the people are answered either way.
 *
 * Why linger: when the request path has a CPU to itself (as when it runs at a higher priority than storing), it
 * wakes for nearly every request and a turn holds one hit, so every hit would pay a script call of its own. A
 * millisecond gathers the hits of several requests at a few thousand per second (measured on 2 cores at
 * 5,000/s with the request path at real-time priority: Redis 21–26 instead of 30–35 µs of CPU per hit).
 *
 * Backpressure: when the oldest hit not yet stored has waited longer than TRACKING_BUFFER_MAX_LAG_MS, storing
 * has fallen behind (more hits than the workers and PostgreSQL can take, or the request path given so much CPU
 * priority that storing starves). Answers are then held until it has caught up, for at most
 * TRACKING_BUFFER_MAX_WAIT_MS, so clients slow down instead of the backlog growing. That keeps hits stored
 * within about a second under overload, and bounds what a Redis without persistence could lose. A held answer
 * still means the hit is in Redis. Hits a worker took longer ago than a third of TRACKING_RECLAIM_IDLE_MS
 * (10 s by default) do not count: that worker is taken for dead, its hits wait to be taken over, and holding
 * answers would not help.
 */
@Injectable()
export class HitBuffer implements OnModuleDestroy {
  private readonly logger = new Logger(HitBuffer.name);
  private readonly redis: HitRedis;
  private readonly key: string;
  private readonly maxLagMs: number;
  private readonly maxWaitMs: number;
  /** The one poll of the storing lag that every held answer waits for. */
  private catchingUp: Promise<void> | null = null;
  private readonly batcher: Batcher<TrackingHit, void>;
  private readonly heldLog = new RepeatedLog<{ maxLagMs: number }>(
    (fields) => this.logger.warn(fields, 'tracking hits wait longer than TRACKING_BUFFER_MAX_LAG_MS to be stored: answers wait for storing to catch up'),
    60_000,
  );
  private readonly unavailableLog = new RepeatedLog<{ err: string }>((fields) => this.logger.warn(fields, 'tracking buffer unavailable; writing hits directly'), 10_000);

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly recorder: HitRecorder,
  ) {
    this.key = hitStreamKey(config);
    this.maxWaitMs = config.trackingBufferMaxWaitMs;
    this.maxLagMs = this.maxWaitMs > 0 ? config.trackingBufferMaxLagMs : 0; // 0: never hold
    const redis = trackingRedis(
      config,
      { commandTimeout: PUSH_TIMEOUT_MS, maxRetriesPerRequest: 1 },
      { logger: this.logger, what: 'tracking buffer' },
    );
    // A worker still holding a hit after a third of the reclaim time is taken for dead: even a starved live one
    // stores a batch far sooner, and holding answers would not bring a dead one's hits in any sooner.
    const lag = this.maxLagMs > 0 ? backpressureLag(config.trackingReclaimIdleMs / 3) : 'return 0';
    redis.defineCommand('addTrackingHits', { numberOfKeys: 1, lua: addHitsScript(lag) });
    redis.defineCommand('trackingLag', { numberOfKeys: 1, lua: lag });
    this.redis = redis as HitRedis;
    this.batcher = new Batcher((hits) => this.flush(hits), MAX_BATCH, PARALLEL_FLUSHES, config.trackingBufferLingerMs);
  }

  /** Resolves once the hit is durably kept (in Redis, or else in PostgreSQL). Never rejects. */
  push(hit: TrackingHit): Promise<void> {
    return this.batcher.submit(hit);
  }

  /** Never throws: a batch Redis refuses goes to PostgreSQL, and one neither takes is logged as lost. */
  private async flush(hits: TrackingHit[]): Promise<void[]> {
    let lagMs: number;
    try {
      lagMs = await this.redis.addTrackingHits(this.key, ...hits.map(encodeHit));
    } catch (err) {
      this.unavailableLog.report({ err: (err as Error).message });
      try {
        await this.recorder.record(hits);
      } catch (fallbackErr) {
        this.logger.error({ err: (fallbackErr as Error).message, hits: hits.length }, 'tracking hits lost: neither Redis nor PostgreSQL took them');
      }
      return new Array<void>(hits.length);
    }
    if (this.maxLagMs > 0 && lagMs > this.maxLagMs) await this.caughtUp();
    return new Array<void>(hits.length);
  }

  /**
   * Resolves once the storing lag is at most maxLagMs, or after maxWaitMs, or when Redis
   * fails to tell (the next add decides again). Concurrent flushes share one poll.
   */
  private caughtUp(): Promise<void> {
    this.catchingUp ??= (async () => {
      this.heldLog.report({ maxLagMs: this.maxLagMs });
      const until = performance.now() + this.maxWaitMs;
      try {
        while (performance.now() < until) {
          await new Promise((r) => setTimeout(r, Math.min(LAG_POLL_MS, Math.max(0, until - performance.now()))));
          if ((await this.redis.trackingLag(this.key)) <= this.maxLagMs) return;
        }
      } catch {
        // Redis does not answer: release the held answers; their hits are in the stream already.
      } finally {
        this.catchingUp = null;
      }
    })();
    return this.catchingUp;
  }

  /** Answered requests' hits are stored before the connection closes. */
  async onModuleDestroy(): Promise<void> {
    await this.batcher.drain();
    await closeRedis(this.redis);
  }
}
