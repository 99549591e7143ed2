import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, OnApplicationBootstrap } from '@nestjs/common';
import { Job } from 'bullmq';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { QUEUES, type DeliverWebhookJob, type DrainWebhookJob } from '../infra/queue/queue-names.js';
import { WEBHOOK_DRAIN_JOB } from './webhook-job.js';
import { WebhookDeliveryService, type WebhookAttemptOutcome } from './webhook-delivery.service.js';

/**
 * Makes the delivery attempt a job names (ids only; the row decides, so a duplicate job sends nothing), or sends
 * a resumed webhook's held deliveries in order (a drain job).
 */
@Processor(QUEUES.webhooks, { concurrency: 20 })
export class WebhookDeliveryProcessor extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly delivery: WebhookDeliveryService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.config.webhooks.concurrency;
  }

  process(job: Job<DeliverWebhookJob | DrainWebhookJob>): Promise<WebhookAttemptOutcome | number> {
    if (job.name === WEBHOOK_DRAIN_JOB) return this.delivery.drain((job.data as DrainWebhookJob).subscriptionId);
    return this.delivery.attempt((job.data as DeliverWebhookJob).deliveryId);
  }
}
