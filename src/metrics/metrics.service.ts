import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { QUEUES } from '../infra/queue/queue-names.js';
import { hitStreamKey, STORING_LAG, trackingRedis } from '../tracking/hit-stream.js';
import { closeRedis } from '../infra/queue/close-redis.js';
import { RepeatedLog } from '../common/repeated-log.js';

/**
 * Prometheus metrics. Process-local series (HTTP latency) are observed as they happen; shared
 * state (queue depths, scoring lag, email and webhook outcomes) is read from Redis and PostgreSQL at
 * scrape time, so every process reports the same truth.
 */
@Injectable()
export class MetricsService implements OnModuleDestroy {
  readonly registry = new Registry();
  private readonly logger = new Logger(MetricsService.name);
  /** Reads the tracking buffer's length at scrape time; connects on first use. */
  private readonly redis: Redis;
  private readonly http = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route pattern',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  constructor(
    private readonly db: DataSource,
    @InjectQueue(QUEUES.scoring) scoring: Queue,
    @InjectQueue(QUEUES.emailDelivery) email: Queue,
    @InjectQueue(QUEUES.programs) programs: Queue,
    @InjectQueue(QUEUES.webhooks) webhooks: Queue,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    collectDefaultMetrics({ register: this.registry });
    // A gauge read from PostgreSQL or Redis must not take the whole scrape down while that service is out (the
    // process and HTTP metrics matter most then): its value is left out (NaN, or no series) and logged at most
    // once per 30 s.
    const failures = new RepeatedLog<{ metric: string; err: string }>(
      (fields) => this.logger.warn(fields, 'a metric could not be read; left out of this scrape'),
      30_000,
    );
    const readable = (collect: (this: Gauge) => Promise<void>) =>
      async function (this: Gauge): Promise<void> {
        try {
          await collect.call(this);
        } catch (err) {
          this.reset();
          if ((this as unknown as { labelNames: string[] }).labelNames.length === 0) this.set(NaN);
          failures.report({ metric: (this as unknown as { name: string }).name, err: (err as Error).message });
        }
      };
    const queues = [scoring, email, programs, webhooks];
    new Gauge({
      name: 'queue_jobs',
      help: 'Jobs in each BullMQ queue by state',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      collect: readable(async function (this: Gauge) {
        for (const q of queues) {
          const counts = await q.getJobCounts('waiting', 'active', 'delayed', 'failed');
          for (const [state, n] of Object.entries(counts)) this.set({ queue: q.name, state }, n);
        }
      }),
    });
    const hitStream = hitStreamKey(config);
    const redis = (this.redis = trackingRedis(
      config,
      { lazyConnect: true, maxRetriesPerRequest: 1 },
      { logger: this.logger, what: 'metrics', intervalMs: 60_000 },
    ));
    new Gauge({
      name: 'tracking_buffer_hits',
      help: 'Opens and clicks answered but not yet stored in PostgreSQL (the Redis buffer)',
      registers: [this.registry],
      collect: readable(async function (this: Gauge) {
        this.set(await redis.xlen(hitStream));
      }),
    });
    new Gauge({
      name: 'tracking_storing_lag_seconds',
      help: 'How long the oldest open or click not yet stored in PostgreSQL has waited; above TRACKING_BUFFER_MAX_LAG_MS the API holds its answers',
      registers: [this.registry],
      collect: readable(async function (this: Gauge) {
        this.set(Number(await redis.eval(STORING_LAG, 1, hitStream)) / 1000);
      }),
    });
    const sql = this.db;
    new Gauge({
      name: 'scoring_backlog_events',
      help: 'Accepted events not yet scored',
      registers: [this.registry],
      collect: readable(async function (this: Gauge) {
        const [r] = await sql.query(`SELECT count(*)::int AS n FROM scoring_queue`);
        this.set(r.n);
      }),
    });
    new Gauge({
      name: 'scoring_lag_seconds',
      help: 'Age of the oldest event waiting to be scored (tracked opens and clicks wait out the scanner-burst window first, 2.5 s by default)',
      registers: [this.registry],
      collect: readable(async function (this: Gauge) {
        const [r] = await sql.query(`SELECT coalesce(extract(epoch FROM now() - min(enqueued_at)), 0)::float8 AS lag FROM scoring_queue`);
        this.set(r.lag);
      }),
    });
    new Gauge({
      name: 'emails',
      help: 'Email messages by status (sent, failed, held, suppressed, queued, sending)',
      labelNames: ['status'],
      registers: [this.registry],
      collect: readable(async function (this: Gauge) {
        const rows: { status: string; n: number }[] = await sql.query(`SELECT status, count(*)::int AS n FROM email_messages GROUP BY status`);
        this.reset();
        for (const r of rows) this.set({ status: r.status }, r.n);
      }),
    });
    new Gauge({
      name: 'program_scheduler_lag_seconds',
      help: 'How late the most overdue active enrollment step is',
      registers: [this.registry],
      collect: readable(async function (this: Gauge) {
        const [r] = await sql
          .query(`SELECT coalesce(extract(epoch FROM now() - min(next_run_at)), 0)::float8 AS lag FROM enrollments WHERE status = 'active' AND next_run_at <= now()`)
          .catch(() => [{ lag: 0 }]);
        this.set(Math.max(0, r.lag));
      }),
    });
    // Domain events wait in the outbox until a worker relays them to hand-offs and webhooks: with no worker
    // running (or one stuck), these grow while nothing else shows it.
    const outboxMaxAttempts = config.outbox.maxAttempts;
    new Gauge({
      name: 'outbox_backlog_events',
      help: 'Domain events recorded but not yet relayed to hand-offs and webhooks (not counting those given up)',
      registers: [this.registry],
      collect: readable(async function (this: Gauge) {
        const [r] = await sql.query(`SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL AND attempts < $1`, [outboxMaxAttempts]);
        this.set(r.n);
      }),
    });
    new Gauge({
      name: 'outbox_lag_seconds',
      help: 'Age of the oldest domain event waiting to be relayed (grows when no worker is running)',
      registers: [this.registry],
      collect: readable(async function (this: Gauge) {
        const [r] = await sql.query(
          `SELECT coalesce(extract(epoch FROM now() - min(occurred_at)), 0)::float8 AS lag FROM outbox_events WHERE published_at IS NULL AND attempts < $1`,
          [outboxMaxAttempts],
        );
        this.set(Math.max(0, r.lag));
      }),
    });
    new Gauge({
      name: 'outbox_failed_events',
      help: 'Domain events the relay gave up on after OUTBOX_MAX_ATTEMPTS',
      registers: [this.registry],
      collect: readable(async function (this: Gauge) {
        const [r] = await sql.query(`SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL AND attempts >= $1`, [outboxMaxAttempts]);
        this.set(r.n);
      }),
    });
    new Gauge({
      name: 'webhook_deliveries',
      help: 'Webhook deliveries by status',
      labelNames: ['status'],
      registers: [this.registry],
      collect: readable(async function (this: Gauge) {
        const rows: { status: string; n: number }[] = await sql
          .query(`SELECT status, count(*)::int AS n FROM webhook_deliveries GROUP BY status`)
          .catch(() => []);
        this.reset();
        for (const r of rows) this.set({ status: r.status }, r.n);
      }),
    });
  }

  observeHttp(method: string, route: string, status: number, seconds: number): void {
    this.http.observe({ method, route, status: String(status) }, seconds);
  }

  async onModuleDestroy(): Promise<void> {
    await closeRedis(this.redis);
  }
}
