import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { PeriodicTask } from '../common/periodic-task.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';

const BATCH = 500;

export interface WebhookSweepResult {
  released: number;
  redispatched: number;
  /** Resumed webhooks whose held deliveries had no drain running, now queued. */
  drainsQueued: number;
  /** Secrets replaced by a rotation whose grace ended, now dropped. */
  secretsForgotten: number;
}

/**
 * Safety nets for deliveries, each a part of the tick that fails on its own (PeriodicTask.part), safe on several
 * processes (the claim decides):
 * - a delivery 'sending' longer than its deadline lost its worker: it is retried at once;
 * - a delivery due (by the clock) for WEBHOOK_REDISPATCH_AFTER_MS whose job is gone — Redis lost it, or
 *   the job is still delayed while the row is due — is dispatched again;
 * - an active (resumed) webhook that still holds deliveries gets a drain, should its own be lost;
 * and one chore: a secret replaced by a rotation is dropped once its grace has ended (it signs nothing more).
 */
@Injectable()
export class WebhookSweepCron extends PeriodicTask {
  protected readonly label = 'webhook sweep';

  constructor(
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly dispatcher: WebhookDispatcher,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  protected intervalMs(): number {
    return this.config.webhooks.sweepMs;
  }

  protected async run(): Promise<number> {
    const r = await this.sweep();
    return r.released + r.redispatched + r.drainsQueued + r.secretsForgotten;
  }

  /** Both safety nets and the chore once. */
  async sweep(): Promise<WebhookSweepResult> {
    return {
      released: await this.part('releasing stuck webhook deliveries failed', () => this.releaseStuck()),
      redispatched: await this.part('re-dispatching due webhook deliveries failed', () => this.redispatchDue()),
      drainsQueued: await this.part('queueing drains of resumed webhooks failed', () => this.drainHeld()),
      secretsForgotten: await this.part('dropping webhook secrets past their grace failed', () => this.forgetSpentSecrets()),
    };
  }

  private async releaseStuck(): Promise<number> {
    const now = this.clock.now();
    const stuck = await this.deliveries.releaseStuck(new Date(now.getTime() - this.config.webhooks.sendingTimeoutMs), now);
    if (stuck.length) {
      this.logger.warn({ count: stuck.length }, 'webhook deliveries lost their worker mid-attempt and are retried');
      await this.dispatcher.dispatch(stuck);
    }
    return stuck.length;
  }

  private async redispatchDue(): Promise<number> {
    const before = new Date(this.clock.now().getTime() - this.config.webhooks.redispatchAfterMs);
    const due = await this.deliveries.overdue(before, BATCH);
    const outcomes = await Promise.all(due.map((d) => this.dispatcher.ensureRunning(d)));
    const moved = outcomes.filter((o) => o !== 'alive').length;
    if (moved) this.logger.log({ count: moved }, 'due webhook deliveries dispatched again');
    return moved;
  }

  private async drainHeld(): Promise<number> {
    const webhooks = await this.deliveries.webhooksToDrain(BATCH);
    return webhooks.length ? await this.dispatcher.drain(webhooks) : 0;
  }

  private async forgetSpentSecrets(): Promise<number> {
    return await this.deliveries.forgetExpiredPreviousSecrets(this.clock.now());
  }
}
