import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { Batcher } from '../common/batcher.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { encodeHit, type TrackingHit } from './domain/tracking-hit.js';
import { HitRecorder } from './hit-recorder.service.js';
import { hitStreamKey, throttled, trackingRedis } from './hit-stream.js';

const PUSH_TIMEOUT_MS = 1000;
/** Most hits added by one script call; more in the same moment go in the next. */
const MAX_BATCH = 1000;

/**
 * Adds each argument as one stream entry `h <hit>`: the same entries as one XADD per hit, so workers read them
 * the same way, but one command (one round trip, parsed once by Redis) for all the hits of a moment.
 * A script runs atomically: all its entries are added or, if Redis fails part-way, the caller stores them all in
 * PostgreSQL (storing is idempotent by hit id, so an entry added as well is not stored twice).
 */
const ADD_HITS_SCRIPT = `for i = 1, #ARGV do redis.call('XADD', KEYS[1], '*', 'h', ARGV[i]) end return #ARGV`;

type HitRedis = Redis & { addTrackingHits(key: string, ...hits: string[]): Promise<number> };

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
 */
@Injectable()
export class HitBuffer implements OnModuleDestroy {
  private readonly logger = new Logger(HitBuffer.name);
  private readonly redis: HitRedis;
  private readonly key: string;
  private readonly batcher: Batcher<TrackingHit, void>;
  private readonly warn = throttled(10_000, (err) => this.logger.warn({ err: err.message }, 'tracking buffer unavailable; writing hits directly'));

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly recorder: HitRecorder,
  ) {
    this.key = hitStreamKey(config);
    const redis = trackingRedis(
      config,
      { commandTimeout: PUSH_TIMEOUT_MS, maxRetriesPerRequest: 1 },
      throttled(10_000, (err) => this.logger.warn({ err: err.message }, 'tracking buffer connection error')),
    );
    redis.defineCommand('addTrackingHits', { numberOfKeys: 1, lua: ADD_HITS_SCRIPT });
    this.redis = redis as HitRedis;
    this.batcher = new Batcher((hits) => this.flush(hits), MAX_BATCH, PARALLEL_FLUSHES, config.trackingBufferLingerMs);
  }

  /** Resolves once the hit is durably kept (in Redis, or else in PostgreSQL). Never rejects. */
  push(hit: TrackingHit): Promise<void> {
    return this.batcher.submit(hit);
  }

  /** Never throws: a batch Redis refuses goes to PostgreSQL, and one neither takes is logged as lost. */
  private async flush(hits: TrackingHit[]): Promise<void[]> {
    try {
      await this.redis.addTrackingHits(this.key, ...hits.map(encodeHit));
    } catch (err) {
      this.warn(err as Error);
      try {
        await this.recorder.record(hits);
      } catch (fallbackErr) {
        this.logger.error({ err: (fallbackErr as Error).message, hits: hits.length }, 'tracking hits lost: neither Redis nor PostgreSQL took them');
      }
    }
    return new Array<void>(hits.length);
  }

  /** Answered requests' hits are stored before the connection closes. */
  async onModuleDestroy(): Promise<void> {
    await this.batcher.drain();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
