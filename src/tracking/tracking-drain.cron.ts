import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { decodeHit, type TrackingHit } from './domain/tracking-hit.js';
import { HitRecorder } from './hit-recorder.service.js';
import { ensureHitGroup, HIT_GROUP, hitStreamKey, throttled, trackingRedis } from './hit-stream.js';

type StreamEntry = [id: string, fields: string[]];
const IDLE_CONSUMER_MS = 3_600_000;

/**
 * Moves buffered opens and clicks from the Redis stream into PostgreSQL, in batches: it waits up to one
 * interval for the first hit, takes what has arrived (up to the batch size), stores it in one transaction,
 * then acknowledges and deletes it. Under load a full batch is followed at once by the next. Several
 * workers share the stream as one consumer group; hits a dead worker had taken are claimed after
 * TRACKING_RECLAIM_IDLE_MS. A batch that fails stays pending and is retried that way.
 */
@Injectable()
export class TrackingDrainCron implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(TrackingDrainCron.name);
  private readonly consumer = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly key: string;
  private redis: Redis;
  private loop?: Promise<void>;
  private stopping = false;
  private reading = false;
  private lastReclaim = 0;
  private readonly logFailure = throttled(5_000, (err) => this.logger.error({ err: err.message }, 'tracking drain failed; the batch will be retried'));

  constructor(
    private readonly recorder: HitRecorder,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.key = hitStreamKey(config);
  }

  onApplicationBootstrap(): void {
    this.redis = trackingRedis(this.config, { maxRetriesPerRequest: null }, throttled(10_000, (err) => this.logger.warn({ err: err.message }, 'tracking drain connection error')));
    this.loop = this.run();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    if (this.reading) this.redis?.disconnect(); // interrupts the blocking read; what it had taken stays pending
    await this.loop;
    await this.forgetSelf();
    this.redis?.disconnect();
  }

  private async run(): Promise<void> {
    let groupReady = false;
    while (!this.stopping) {
      const started = Date.now();
      try {
        if (!groupReady) {
          await ensureHitGroup(this.redis, this.key);
          groupReady = true;
        }
        const drained = (await this.reclaimIfDue()) + (await this.drainNew());
        const rest = this.config.trackingDrainMs - (Date.now() - started);
        if (drained < this.config.trackingDrainBatch && rest > 0 && !this.stopping) await sleep(rest);
      } catch (err) {
        if (this.stopping) break;
        if (String((err as Error).message).includes('NOGROUP')) groupReady = false; // the stream was deleted
        this.logFailure(err as Error);
        await sleep(Math.max(this.config.trackingDrainMs, 500));
      }
    }
  }

  /** Reads new hits (waiting up to one interval for the first), stores and acknowledges them. */
  async drainNew(): Promise<number> {
    this.reading = true;
    let reply: unknown;
    try {
      reply = await this.redis.xreadgroup(
        'GROUP', HIT_GROUP, this.consumer,
        'COUNT', this.config.trackingDrainBatch,
        'BLOCK', this.config.trackingDrainMs,
        'STREAMS', this.key, '>',
      );
    } finally {
      this.reading = false;
    }
    const entries = ((reply as [string, StreamEntry[]][] | null)?.[0]?.[1] ?? []) as StreamEntry[];
    await this.store(entries);
    return entries.length;
  }

  /** Takes over hits that another (dead) worker read but never acknowledged. */
  private async reclaimIfDue(): Promise<number> {
    const now = Date.now();
    const every = Math.max(this.config.trackingReclaimIdleMs / 2, this.config.trackingDrainMs);
    if (now - this.lastReclaim < every) return 0;
    this.lastReclaim = now;
    const [, entries] = (await this.redis.xautoclaim(
      this.key, HIT_GROUP, this.consumer, this.config.trackingReclaimIdleMs, '0-0', 'COUNT', this.config.trackingDrainBatch,
    )) as [string, (StreamEntry | null)[]];
    const live = entries.filter((e): e is StreamEntry => Array.isArray(e) && Array.isArray(e[1]));
    if (live.length) this.logger.warn({ count: live.length }, 'took over tracking hits left by a stopped worker');
    await this.store(live);
    await this.forgetIdleConsumers();
    return live.length;
  }

  private async store(entries: StreamEntry[]): Promise<void> {
    if (!entries.length) return;
    const hits: TrackingHit[] = [];
    let dropped = 0;
    for (const [, fields] of entries) {
      const hit = decodeHit(fields[fields.indexOf('h') + 1] ?? '');
      if (hit) hits.push(hit);
      else dropped++;
    }
    if (dropped) this.logger.warn({ dropped }, 'dropped unreadable tracking hits');
    await this.recorder.record(hits);
    const ids = entries.map(([id]) => id);
    await this.redis.multi().xack(this.key, HIT_GROUP, ...ids).xdel(this.key, ...ids).exec();
  }

  /** Removes consumers of crashed processes once nothing is pending for them. */
  private async forgetIdleConsumers(): Promise<void> {
    const consumers = (await this.redis.xinfo('CONSUMERS', this.key, HIT_GROUP)) as (string | number)[][];
    for (const info of consumers) {
      const fields = new Map<string, string | number>();
      for (let i = 0; i + 1 < info.length; i += 2) fields.set(String(info[i]), info[i + 1]);
      const name = String(fields.get('name'));
      if (name !== this.consumer && Number(fields.get('pending')) === 0 && Number(fields.get('idle')) > IDLE_CONSUMER_MS) {
        await this.redis.xgroup('DELCONSUMER', this.key, HIT_GROUP, name);
      }
    }
  }

  private async forgetSelf(): Promise<void> {
    try {
      if (this.redis.status !== 'ready') return;
      const pending = (await this.redis.xpending(this.key, HIT_GROUP, '-', '+', 1, this.consumer)) as unknown[];
      if (!pending.length) await this.redis.xgroup('DELCONSUMER', this.key, HIT_GROUP, this.consumer);
    } catch {
      /* left for forgetIdleConsumers */
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
