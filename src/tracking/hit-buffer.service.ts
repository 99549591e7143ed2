import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
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

interface Batch {
  hits: TrackingHit[];
  done: Promise<void>;
  resolve: () => void;
}

/**
 * Where the public endpoints hand over an open or click. The hits of one turn of the event loop are added to
 * the Redis stream together (one script call), and each request is answered once its hit is in Redis — so a
 * hit that was answered is kept even if this process dies next. When Redis does not answer in time the batch
 * is written to PostgreSQL directly instead (same ids, so a late add is not stored twice); the people are
 * answered either way.
 */
@Injectable()
export class HitBuffer implements OnModuleDestroy {
  private readonly logger = new Logger(HitBuffer.name);
  private readonly redis: HitRedis;
  private readonly key: string;
  private batch: Batch | null = null;
  private readonly flushing = new Set<Promise<void>>();
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
  }

  /** Resolves once the hit is durably kept (in Redis, or else in PostgreSQL). Never rejects. */
  push(hit: TrackingHit): Promise<void> {
    let batch = this.batch;
    if (!batch || batch.hits.length >= MAX_BATCH) {
      let resolve!: () => void;
      const done = new Promise<void>((r) => (resolve = r));
      batch = this.batch = { hits: [], done, resolve };
      const taken = batch;
      setImmediate(() => {
        const flushed = this.flush(taken); // after the requests read in this turn of the event loop
        this.flushing.add(flushed);
        void flushed.finally(() => this.flushing.delete(flushed));
      });
    }
    batch.hits.push(hit);
    return batch.done;
  }

  private async flush(batch: Batch): Promise<void> {
    if (this.batch === batch) this.batch = null;
    try {
      await this.redis.addTrackingHits(this.key, ...batch.hits.map(encodeHit));
    } catch (err) {
      this.warn(err as Error);
      try {
        await this.recorder.record(batch.hits, { requestScoring: false }); // the scoring sweep scores them
      } catch (fallbackErr) {
        this.logger.error({ err: (fallbackErr as Error).message, hits: batch.hits.length }, 'tracking hits lost: neither Redis nor PostgreSQL took them');
      }
    } finally {
      batch.resolve();
    }
  }

  /** Answered requests' hits are stored before the connection closes. */
  async onModuleDestroy(): Promise<void> {
    if (this.batch) await this.batch.done;
    await Promise.all(this.flushing);
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
