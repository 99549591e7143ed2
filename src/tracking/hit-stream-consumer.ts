import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { AppConfig } from '../config/app-config.js';
import { lingerWait, streamIdMs } from './domain/drain-linger.js';
import { decodeHit, type TrackingHit } from './domain/tracking-hit.js';
import type { HitRecorder } from './hit-recorder.service.js';
import { RepeatedLog } from '../common/repeated-log.js';
import { ensureHitGroup, HIT_GROUP, hitStreamKey, trackingRedis } from './hit-stream.js';
import { settlesWithin } from '../common/settles-within.js';

type StreamEntry = [id: string, fields: string[]];
type DrainSettings = Pick<
  AppConfig,
  'redisUrl' | 'queuePrefix' | 'trackingDrainMs' | 'trackingDrainBatch' | 'trackingDrainMinBatch' | 'trackingDrainLingerMs' | 'trackingReclaimIdleMs'
>;
const IDLE_CONSUMER_MS = 3_600_000;

/** The longest stop() waits for the batch under way (storing and acknowledging it) before leaving it pending. */
const STOP_WAIT_MS = 10_000;

/**
 * One consumer of the hit stream, with a Redis connection of its own: it waits up to one interval for the
 * first hit, takes what has arrived (up to the batch size), stores it in one transaction, then acknowledges
 * and deletes it. Under load a full batch is followed at once by the next. With `reclaims`, it also takes over
 * hits that a dead consumer read but never acknowledged (after TRACKING_RECLAIM_IDLE_MS). A batch that fails
 * stays pending and is retried that way.
 */
export class HitStreamConsumer {
  private readonly logger = new Logger(HitStreamConsumer.name);
  private readonly name = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly key: string;
  private readonly redis: Redis;
  private loop?: Promise<void>;
  private stopping = false;
  private reading = false;
  private lastReclaim = 0;
  private readonly failures = new RepeatedLog<{ err: string }>((fields) => this.logger.error(fields, 'tracking drain failed; the batch will be retried'), 5_000);

  constructor(
    private readonly recorder: HitRecorder,
    private readonly settings: DrainSettings,
    private readonly reclaims: boolean,
  ) {
    this.key = hitStreamKey(settings);
    this.redis = trackingRedis(settings, { maxRetriesPerRequest: null }, { logger: this.logger, what: 'tracking drain' });
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const connected = this.redis.status === 'ready';
    if (this.reading || !connected) this.redis.disconnect(); // interrupts a blocking read; what it had taken stays pending
    // A batch being stored in PostgreSQL is finished and acknowledged first. Without Redis the loop cannot
    // finish: its commands wait for a connection that a closed client never makes (ioredis does not fail them
    // when it is closed while waiting to reconnect), and nothing could be acknowledged anyway. So it is not
    // waited for then, nor for longer than STOP_WAIT_MS: a worker told to stop during a Redis outage used to
    // wait for Redis forever. What it had taken stays pending and is taken over (storing is idempotent).
    if (connected && this.loop) await settlesWithin(this.loop, STOP_WAIT_MS).catch(() => false);
    await this.forgetSelf();
    // Not twice: ioredis arms a 2 s timer per disconnect that only the stream's close clears, and a closed
    // stream closes no more (the timer then kept a process whose app had closed alive for 2 s).
    if (this.redis.status !== 'end') this.redis.disconnect();
  }

  private async run(): Promise<void> {
    const { trackingDrainMs: interval, trackingDrainBatch: batch } = this.settings;
    let groupReady = false;
    while (!this.stopping) {
      const started = Date.now();
      try {
        if (!groupReady) {
          await ensureHitGroup(this.redis, this.key);
          groupReady = true;
        }
        const drained = (await this.reclaimIfDue()) + (await this.drainNew());
        const rest = interval - (Date.now() - started);
        if (drained < batch && rest > 0 && !this.stopping) await sleep(rest);
      } catch (err) {
        if (this.stopping) break;
        if (String((err as Error).message).includes('NOGROUP')) groupReady = false; // the stream was deleted
        this.failures.report({ err: (err as Error).message });
        await sleep(Math.max(interval, 500));
      }
    }
  }

  /**
   * Reads new hits (waiting up to one interval for the first), stores and acknowledges them. A small read is
   * topped up for a moment first (see lingerWait): what it read stays pending for this consumer meanwhile, so
   * a worker dying while it waits loses nothing (another takes the hits over).
   */
  private async drainNew(): Promise<number> {
    const { trackingDrainBatch: batch, trackingDrainMs: interval, trackingDrainMinBatch: minBatch, trackingDrainLingerMs: lingerMs } = this.settings;
    const entries = await this.readNew(batch, interval);
    const started = Date.now();
    for (;;) {
      if (this.stopping || !entries.length) break;
      const now = Date.now();
      const wait = lingerWait(entries.length, streamIdMs(entries[0][0]), now, now - started, { minBatch, lingerMs });
      if (wait <= 0) break;
      await sleep(wait);
      const more = await this.readNew(batch - entries.length, null);
      for (const e of more) entries.push(e);
    }
    await this.store(entries);
    return entries.length;
  }

  /** Up to `count` new entries for this consumer; with `blockMs`, waits that long for the first one. */
  private async readNew(count: number, blockMs: number | null): Promise<StreamEntry[]> {
    this.reading = true;
    let reply: unknown;
    try {
      reply = blockMs === null
        ? await this.redis.xreadgroup('GROUP', HIT_GROUP, this.name, 'COUNT', count, 'STREAMS', this.key, '>')
        : await this.redis.xreadgroup('GROUP', HIT_GROUP, this.name, 'COUNT', count, 'BLOCK', blockMs, 'STREAMS', this.key, '>');
    } finally {
      this.reading = false;
    }
    return ((reply as [string, StreamEntry[]][] | null)?.[0]?.[1] ?? []) as StreamEntry[];
  }

  /** Takes over hits that another (dead) consumer read but never acknowledged. */
  private async reclaimIfDue(): Promise<number> {
    const now = Date.now();
    const { trackingReclaimIdleMs: idle, trackingDrainMs: interval, trackingDrainBatch: batch } = this.settings;
    if (!this.reclaims || now - this.lastReclaim < Math.max(idle / 2, interval)) return 0;
    this.lastReclaim = now;
    const [, entries] = (await this.redis.xautoclaim(this.key, HIT_GROUP, this.name, idle, '0-0', 'COUNT', batch)) as [string, (StreamEntry | null)[]];
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
    await this.recordIsolatingBadHits(hits);
    const ids = entries.map(([id]) => id);
    await this.redis.multi().xack(this.key, HIT_GROUP, ...ids).xdel(this.key, ...ids).exec();
  }

  /**
   * Stores a batch. If PostgreSQL refuses the data itself (SQLSTATE class 22 or 23), the batch is split to find
   * the hits it refuses, which are dropped with an error log, so one bad hit cannot hold up the stream forever.
   * Any other failure (connection, deadlock, shutdown) is thrown: the batch stays pending and is retried.
   */
  private async recordIsolatingBadHits(hits: TrackingHit[]): Promise<void> {
    try {
      await this.recorder.record(hits);
    } catch (err) {
      if (!isDataError(err)) throw err;
      if (hits.length === 1) {
        this.logger.error({ err: (err as Error).message, hitId: hits[0].id }, 'dropped a tracking hit PostgreSQL refuses');
        return;
      }
      const half = Math.ceil(hits.length / 2);
      await this.recordIsolatingBadHits(hits.slice(0, half));
      await this.recordIsolatingBadHits(hits.slice(half));
    }
  }

  /** Removes consumers of crashed processes once nothing is pending for them. */
  private async forgetIdleConsumers(): Promise<void> {
    const consumers = (await this.redis.xinfo('CONSUMERS', this.key, HIT_GROUP)) as (string | number)[][];
    for (const info of consumers) {
      const fields = new Map<string, string | number>();
      for (let i = 0; i + 1 < info.length; i += 2) fields.set(String(info[i]), info[i + 1]);
      const name = String(fields.get('name'));
      if (name !== this.name && Number(fields.get('pending')) === 0 && Number(fields.get('idle')) > IDLE_CONSUMER_MS) {
        await this.redis.xgroup('DELCONSUMER', this.key, HIT_GROUP, name);
      }
    }
  }

  private async forgetSelf(): Promise<void> {
    try {
      if (this.redis.status !== 'ready') return;
      const pending = (await this.redis.xpending(this.key, HIT_GROUP, '-', '+', 1, this.name)) as unknown[];
      if (!pending.length) await this.redis.xgroup('DELCONSUMER', this.key, HIT_GROUP, this.name);
    } catch {
      /* left for forgetIdleConsumers */
    }
  }
}

function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && /^2[23]/.test(code);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
