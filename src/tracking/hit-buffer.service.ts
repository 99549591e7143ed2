import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { encodeHit, type TrackingHit } from './domain/tracking-hit.js';
import { HitRecorder } from './hit-recorder.service.js';
import { hitStreamKey, throttled, trackingRedis } from './hit-stream.js';

const PUSH_TIMEOUT_MS = 1000;

/**
 * Where the public endpoints hand over an open or click: one XADD, auto-pipelined with the other requests
 * of the same moment, awaited before the reply — so a hit that was answered is in Redis even if this
 * process dies next. When Redis does not answer in time the hit is written to PostgreSQL directly instead
 * (same id, so a late XADD is not stored twice); the person is answered either way.
 */
@Injectable()
export class HitBuffer implements OnModuleDestroy {
  private readonly logger = new Logger(HitBuffer.name);
  private readonly redis: Redis;
  private readonly key: string;
  private readonly warn = throttled(10_000, (err) => this.logger.warn({ err: err.message }, 'tracking buffer unavailable; writing hits directly'));

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly recorder: HitRecorder,
  ) {
    this.key = hitStreamKey(config);
    this.redis = trackingRedis(
      config,
      { enableAutoPipelining: true, commandTimeout: PUSH_TIMEOUT_MS, maxRetriesPerRequest: 1 },
      throttled(10_000, (err) => this.logger.warn({ err: err.message }, 'tracking buffer connection error')),
    );
  }

  /** Resolves once the hit is durably kept (in Redis, or else in PostgreSQL). Never rejects. */
  async push(hit: TrackingHit): Promise<void> {
    try {
      await this.redis.xadd(this.key, '*', 'h', encodeHit(hit));
    } catch (err) {
      this.warn(err as Error);
      try {
        await this.recorder.record([hit], { requestScoring: false }); // the scoring sweep scores it
      } catch (fallbackErr) {
        this.logger.error({ err: (fallbackErr as Error).message, hitId: hit.id }, 'tracking hit lost: neither Redis nor PostgreSQL took it');
      }
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
