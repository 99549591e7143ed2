import { InjectQueue } from '@nestjs/bullmq';
import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Queue } from 'bullmq';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';
import { Public } from '../auth/roles.js';
import { settlesWithin } from '../common/settles-within.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { MailTransport } from '../email/transport/mail-transport.js';
import { QUEUES } from '../infra/queue/queue-names.js';

/** Whether a backing service answered its check. */
export const CHECK_STATUSES = ['up', 'down'] as const;
export type Check = { status: (typeof CHECK_STATUSES)[number]; latencyMs?: number; error?: string };
/** `ok`: everything is up; `degraded`: something is down (503 when it is PostgreSQL or Redis, 200 when only the mail relay). */
export const HEALTH_STATUSES = ['ok', 'degraded'] as const;

/**
 * How long an SMTP check's result is reused. Checking the relay opens a connection of its own (greeting,
 * EHLO, TLS and login when configured); a load balancer polling every API process every few seconds
 * should not cost the relay a login each time.
 */
export const SMTP_CHECK_REUSE_MS = 10_000;

const NO_RELAY_IN_PRODUCTION: Check = { status: 'down', error: 'SMTP_URL is not set: email goes to the development mailbox and reaches nobody' };

/** How long one check may take before it counts as down. */
const CHECK_TIMEOUT_MS = 2000;

/** Runs a check, up or down within 2 s; no timer is left once the check is decided. */
export async function timed(fn: () => Promise<unknown>): Promise<Check> {
  const started = performance.now();
  try {
    if (!(await settlesWithin(fn(), CHECK_TIMEOUT_MS))) return { status: 'down', error: `timeout after ${CHECK_TIMEOUT_MS} ms` };
    return { status: 'up', latencyMs: Math.round((performance.now() - started) * 10) / 10 };
  } catch (err) {
    return { status: 'down', error: err instanceof Error ? err.message : String(err) };
  }
}

@ApiTags('operations')
@Controller('health')
export class HealthController {
  /** The latest SMTP check (shared by concurrent requests) and when it started. */
  private mailCheck: { startedAt: number; check: Promise<Check> } | null = null;

  constructor(
    private readonly db: DataSource,
    @InjectQueue(QUEUES.scoring) private readonly queue: Queue,
    private readonly mail: MailTransport,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Reports PostgreSQL, Redis and where email goes (the SMTP relay, reached and accepting our login, or the
   * development mailbox, which counts as down in production: email would reach nobody). 503 when PostgreSQL or Redis is down: the service cannot work. An unreachable relay
   * answers 200 with status `degraded`: email waits and is retried, nothing is lost, and taking API processes
   * out of a load balancer would stop tracking and ingest for nothing. The relay's address and credentials
   * are never shown.
   */
  @Public()
  @Get()
  async health(@Res() reply: FastifyReply) {
    const [database, redis, mail] = await Promise.all([
      timed(() => this.db.query('SELECT 1')),
      timed(() => this.queue.count()),
      this.checkMail(),
    ]);
    const serving = database.status === 'up' && redis.status === 'up';
    const status: (typeof HEALTH_STATUSES)[number] = serving && mail.status === 'up' ? 'ok' : 'degraded';
    void reply.status(serving ? 200 : 503).send({ status, checks: { database, redis, smtp: { ...mail, transport: this.mail.kind } } });
  }

  private checkMail(): Promise<Check> {
    // Working, but nobody reads it: production without a relay (the module warned at start-up too).
    if (this.config.production && this.mail.kind === 'dev-mailbox') return Promise.resolve(NO_RELAY_IN_PRODUCTION);
    const now = performance.now();
    if (!this.mailCheck || now - this.mailCheck.startedAt >= SMTP_CHECK_REUSE_MS) {
      this.mailCheck = { startedAt: now, check: timed(() => this.mail.verify()).then(withoutSecrets) };
    }
    return this.mailCheck.check;
  }
}

/** A failed check's error, with anything that looks like a URL's credentials masked (a relay's error may echo its address). */
export function withoutSecrets(check: Check): Check {
  return check.error ? { ...check, error: check.error.replace(/\/\/[^/@\s]*@/g, '//***@') } : check;
}
