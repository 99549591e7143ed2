import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';

const BATCH = 500;

export interface WebhookSweepResult {
  released: number;
  redispatched: number;
}

/**
 * Safety nets for deliveries, each in its own try/catch, safe on several processes (the claim decides):
 * - a delivery 'sending' longer than its deadline lost its worker: it is retried at once;
 * - a delivery due (by the clock) for WEBHOOK_REDISPATCH_AFTER_MS whose job is gone — Redis lost it, or
 *   the job is still delayed while the row is due — is dispatched again.
 */
@Injectable()
export class WebhookSweepCron implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WebhookSweepCron.name);
  private timer?: NodeJS.Timeout;
  private running = false;
  private stopping = false;

  constructor(
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly dispatcher: WebhookDispatcher,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.config.webhooks.sweepMs);
    this.timer.unref();
  }

  /** Stops before the queue connections close, so a late tick does not fail on them. */
  onModuleDestroy(): void {
    this.stopping = true;
    clearInterval(this.timer);
  }

  async tick(): Promise<WebhookSweepResult> {
    if (this.running || this.stopping) return { released: 0, redispatched: 0 };
    this.running = true;
    try {
      return { released: await this.releaseStuck(), redispatched: await this.redispatchDue() };
    } finally {
      this.running = false;
    }
  }

  private async releaseStuck(): Promise<number> {
    try {
      const now = this.clock.now();
      const stuck = await this.deliveries.releaseStuck(new Date(now.getTime() - this.config.webhooks.sendingTimeoutMs), now);
      if (stuck.length) {
        this.logger.warn({ count: stuck.length }, 'webhook deliveries lost their worker mid-attempt and are retried');
        await this.dispatcher.dispatch(stuck);
      }
      return stuck.length;
    } catch (err) {
      this.fail(err, 'releasing stuck webhook deliveries failed');
      return 0;
    }
  }

  private async redispatchDue(): Promise<number> {
    try {
      const before = new Date(this.clock.now().getTime() - this.config.webhooks.redispatchAfterMs);
      const due = await this.deliveries.overdue(before, BATCH);
      const outcomes = await Promise.all(due.map((d) => this.dispatcher.ensureRunning(d)));
      const moved = outcomes.filter((o) => o !== 'alive').length;
      if (moved) this.logger.log({ count: moved }, 'due webhook deliveries dispatched again');
      return moved;
    } catch (err) {
      this.fail(err, 're-dispatching due webhook deliveries failed');
      return 0;
    }
  }

  private fail(err: unknown, message: string): void {
    if (!this.stopping) this.logger.error(err instanceof Error ? err : String(err), message);
  }
}
