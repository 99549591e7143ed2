import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, OnApplicationBootstrap } from '@nestjs/common';
import { Job } from 'bullmq';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { QUEUES, type DeliverWebhookJob } from '../infra/queue/queue-names.js';
import { WebhookDeliveryService, type WebhookAttemptOutcome } from './webhook-delivery.service.js';

/** Makes the delivery attempt a job names (ids only; the row decides, so a duplicate job sends nothing). */
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

  process(job: Job<DeliverWebhookJob>): Promise<WebhookAttemptOutcome> {
    return this.delivery.attempt(job.data.deliveryId);
  }
}
