import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, OnApplicationBootstrap } from '@nestjs/common';
import { Job } from 'bullmq';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { QUEUES, type DeliverEmailJob } from '../infra/queue/queue-names.js';
import { DELIVERY_BATCH, jobMessageIds } from './delivery-job.js';
import { DeliveryService, type DeliveryOutcome } from './delivery.service.js';

/** Delivers the messages a job names (ids only; the row decides, so a duplicate job sends nothing). */
@Processor(QUEUES.emailDelivery, { concurrency: 10 })
export class EmailDeliveryProcessor extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly delivery: DeliveryService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  /**
   * EMAIL_CONCURRENCY emails at once, counted in jobs of up to DELIVERY_BATCH messages; at least two jobs,
   * so the next batch starts while the last sends of the previous one finish.
   */
  onApplicationBootstrap(): void {
    this.worker.concurrency = Math.max(2, Math.ceil(this.config.email.concurrency / DELIVERY_BATCH));
  }

  async process(job: Job<DeliverEmailJob>): Promise<DeliveryOutcome | DeliveryOutcome[]> {
    const ids = jobMessageIds(job.data);
    if (ids.length === 1 && !job.data.messageIds) return this.delivery.deliver(ids[0]);
    return this.delivery.deliverMany(ids);
  }
}
