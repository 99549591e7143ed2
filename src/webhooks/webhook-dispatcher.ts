import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { QUEUES, type DeliverWebhookJob } from '../infra/queue/queue-names.js';
import { WEBHOOK_JOB, webhookJobId } from './webhook-job.js';

/** Puts delivery attempts on the webhooks queue (ids only; the row decides whether anything is sent). */
@Injectable()
export class WebhookDispatcher {
  constructor(@InjectQueue(QUEUES.webhooks) private readonly queue: Queue<DeliverWebhookJob>) {}

  async dispatch(deliveries: { id: string; attempts: number }[], delayMs = 0): Promise<void> {
    if (!deliveries.length) return;
    await this.queue.addBulk(
      deliveries.map((d) => ({
        name: WEBHOOK_JOB,
        data: { deliveryId: d.id },
        opts: { jobId: webhookJobId(d.id, d.attempts), delay: delayMs > 0 ? delayMs : undefined, attempts: 3, backoff: { type: 'exponential', delay: 1000 } },
      })),
    );
  }

  /** Makes sure the job for this attempt runs now: a delayed one is promoted, a finished or missing one added again. */
  async ensureRunning(d: { id: string; attempts: number }): Promise<'alive' | 'promoted' | 'added'> {
    const jobId = webhookJobId(d.id, d.attempts);
    const job = await this.queue.getJob(jobId);
    const state = job ? await job.getState() : 'unknown';
    if (state === 'delayed') {
      await job!.promote().catch(() => undefined);
      return 'promoted';
    }
    if (['waiting', 'active', 'prioritized', 'waiting-children'].includes(state)) return 'alive';
    if (job) await this.queue.remove(jobId).catch(() => 0);
    await this.dispatch([d]);
    return 'added';
  }
}
