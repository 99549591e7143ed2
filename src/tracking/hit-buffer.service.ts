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
  /** Cancels the pending start of the flush (a full batch starts early). */
  cancel: () => void;
}

/**
 * Where the public endpoints hand over an open or click. The hits that arrive within TRACKING_BUFFER_LINGER_MS
 * of the first one (with 0: in one turn of the event loop) are added to the Redis stream together (one script
 * call), and each request is answered once its hit is in Redis — so a hit that was answered is kept even if this
 * process dies next. When Redis does not answer in time the batch is written to PostgreSQL directly instead
 * (same ids, so a late add is not stored twice); the people are answered either way.
 *
 * Why linger: when the request path has a CPU to itself (as when it runs at a higher priority than storing), it
 * wakes for every request and a turn holds one hit, so every hit would pay a script call, a Redis reply and a
 * wake-up of its own. A millisecond gathers the hits of several requests at a few thousand per second (measured
 * on 2 cores at 5,000/s: 84 instead of 142 µs of API CPU per hit, and less for Redis and the clients).
 */
@Injectable()
export class HitBuffer implements OnModuleDestroy {
  private readonly logger = new Logger(HitBuffer.name);
  private readonly redis: HitRedis;
  private readonly key: string;
  private readonly lingerMs: number;
  private batch: Batch | null = null;
  private readonly flushing = new Set<Promise<void>>();
  private readonly warn = throttled(10_000, (err) => this.logger.warn({ err: err.message }, 'tracking buffer unavailable; writing hits directly'));

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly recorder: HitRecorder,
  ) {
    this.key = hitStreamKey(config);
    this.lingerMs = config.trackingBufferLingerMs;
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
    const batch = (this.batch ??= this.open());
    batch.hits.push(hit);
    if (batch.hits.length >= MAX_BATCH) this.start(batch); // full: no reason to wait
    return batch.done;
  }

  /** A new batch, flushed after the linger time (or, with none, after the requests read in this turn of the event loop). */
  private open(): Batch {
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    const batch: Batch = { hits: [], done, resolve, cancel: () => undefined };
    if (this.lingerMs > 0) {
      const timer = setTimeout(() => this.start(batch), this.lingerMs);
      batch.cancel = () => clearTimeout(timer);
    } else {
      const immediate = setImmediate(() => this.start(batch));
      batch.cancel = () => clearImmediate(immediate);
    }
    return batch;
  }

  private start(batch: Batch): void {
    if (this.batch !== batch) return; // already started
    this.batch = null;
    batch.cancel();
    const flushed = this.flush(batch);
    this.flushing.add(flushed);
    void flushed.finally(() => this.flushing.delete(flushed));
  }

  private async flush(batch: Batch): Promise<void> {
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
    if (this.batch) this.start(this.batch);
    await Promise.all(this.flushing);
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
