import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { PeriodicTask } from '../common/periodic-task.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { WebhookLogRetention } from './webhook-log-retention.js';

/** Rows deleted per statement: short transactions, however much is due. */
const BATCH = 1000;

/** Applies the webhook log retention every WEBHOOK_RETENTION_SWEEP_MS (an hour by default) in each worker. */
@Injectable()
export class WebhookRetentionCron extends PeriodicTask {
  protected readonly label = 'webhook log retention';

  constructor(
    private readonly retention: WebhookLogRetention,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  protected intervalMs(): number {
    return this.config.webhooks.retentionSweepMs;
  }

  protected async run(): Promise<number> {
    const r = await this.retention.sweep(this.clock.now(), BATCH, () => this.isStopping());
    const total = r.deliveries + r.outboxEvents + r.webhooks;
    if (total) this.logger.log({ ...r }, 'webhook deliveries and outbox events past their retention deleted');
    return total;
  }
}
