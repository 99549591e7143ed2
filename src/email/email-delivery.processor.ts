import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, OnApplicationBootstrap } from '@nestjs/common';
import { Job } from 'bullmq';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { QUEUES, type DeliverEmailJob } from '../infra/queue/queue-names.js';
import { DeliveryService, type DeliveryOutcome } from './delivery.service.js';

/** Delivers the message a job names (ids only; the row decides, so a duplicate job sends nothing). */
@Processor(QUEUES.emailDelivery, { concurrency: 10 })
export class EmailDeliveryProcessor extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly delivery: DeliveryService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.config.email.concurrency;
  }

  process(job: Job<DeliverEmailJob>): Promise<DeliveryOutcome> {
    return this.delivery.deliver(job.data.messageId);
  }
}
