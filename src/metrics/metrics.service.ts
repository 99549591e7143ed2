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
    const registry = this.registry;
    /** A gauge read at each scrape by `read`, which sets its values; one that fails is left out of that scrape. */
    const gauge = (name: string, help: string, read: (g: Gauge) => Promise<void>, labelNames: string[] = []) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers: [registry],
        async collect(this: Gauge) {
          try {
            await read(this);
          } catch (err) {
            this.reset();
            if (labelNames.length === 0) this.set(NaN);
            failures.report({ metric: name, err: (err as Error).message });
          }
        },
      });
    const sql = this.db;
    /** A gauge holding the one number (column `v`) a query answers. */
    const sqlGauge = (name: string, help: string, query: string, params: unknown[] = []) =>
      gauge(name, help, async (g) => {
        const [r]: { v: number }[] = await sql.query(query, params);
        g.set(Math.max(0, Number(r.v)));
      });
    /** A gauge of counts by status (`status`, `n`), starting afresh at each scrape. */
    const statusGauge = (name: string, help: string, query: string) =>
      gauge(
        name,
        help,
        async (g) => {
          const rows: { status: string; n: number }[] = await sql.query(query);
          g.reset();
          for (const r of rows) g.set({ status: r.status }, r.n);
        },
        ['status'],
      );

    const queues = [scoring, email, programs, webhooks];
    gauge(
      'queue_jobs',
      'Jobs in each BullMQ queue by state',
      async (g) => {
        for (const q of queues) {
          const counts = await q.getJobCounts('waiting', 'active', 'delayed', 'failed');
          for (const [state, n] of Object.entries(counts)) g.set({ queue: q.name, state }, n);
        }
      },
      ['queue', 'state'],
    );
    const hitStream = hitStreamKey(config);
    const redis = (this.redis = trackingRedis(
      config,
      { lazyConnect: true, maxRetriesPerRequest: 1 },
      { logger: this.logger, what: 'metrics', intervalMs: 60_000 },
    ));
    gauge('tracking_buffer_hits', 'Opens and clicks answered but not yet stored in PostgreSQL (the Redis buffer)', async (g) => {
      g.set(await redis.xlen(hitStream));
    });
    gauge(
      'tracking_storing_lag_seconds',
      'How long the oldest open or click not yet stored in PostgreSQL has waited; above TRACKING_BUFFER_MAX_LAG_MS the API holds its answers',
      async (g) => {
        g.set(Number(await redis.eval(STORING_LAG, 1, hitStream)) / 1000);
      },
    );
    sqlGauge('scoring_backlog_events', 'Accepted events not yet scored', `SELECT count(*)::int AS v FROM scoring_queue`);
    sqlGauge(
      'scoring_lag_seconds',
      'Age of the oldest event waiting to be scored (tracked opens and clicks wait out the scanner-burst window first, 2.5 s by default)',
      `SELECT coalesce(extract(epoch FROM now() - min(enqueued_at)), 0)::float8 AS v FROM scoring_queue`,
    );
    statusGauge('emails', 'Email messages by status (sent, failed, held, suppressed, cancelled, queued, sending)', `SELECT status, count(*)::int AS n FROM email_messages GROUP BY status`);
    sqlGauge(
      'program_scheduler_lag_seconds',
      'How late the most overdue active enrollment step is',
      `SELECT coalesce(extract(epoch FROM now() - min(next_run_at)), 0)::float8 AS v FROM enrollments WHERE status = 'active' AND next_run_at <= now()`,
    );
    // Domain events wait in the outbox until a worker relays them to hand-offs and webhooks: with no worker
    // running (or one stuck), these grow while nothing else shows it.
    const attempts = [config.outbox.maxAttempts];
    sqlGauge(
      'outbox_backlog_events',
      'Domain events recorded but not yet relayed to hand-offs and webhooks (not counting those given up)',
      `SELECT count(*)::int AS v FROM outbox_events WHERE published_at IS NULL AND attempts < $1`,
      attempts,
    );
    sqlGauge(
      'outbox_lag_seconds',
      'Age of the oldest domain event waiting to be relayed (grows when no worker is running)',
      `SELECT coalesce(extract(epoch FROM now() - min(occurred_at)), 0)::float8 AS v FROM outbox_events WHERE published_at IS NULL AND attempts < $1`,
      attempts,
    );
    sqlGauge(
      'outbox_failed_events',
      'Domain events the relay gave up on after OUTBOX_MAX_ATTEMPTS',
      `SELECT count(*)::int AS v FROM outbox_events WHERE published_at IS NULL AND attempts >= $1`,
      attempts,
    );
    statusGauge('webhook_deliveries', 'Webhook deliveries by status', `SELECT status, count(*)::int AS n FROM webhook_deliveries GROUP BY status`);
  }

  observeHttp(method: string, route: string, status: number, seconds: number): void {
    this.http.observe({ method, route, status: String(status) }, seconds);
  }

  async onModuleDestroy(): Promise<void> {
    await closeRedis(this.redis);
  }
}
