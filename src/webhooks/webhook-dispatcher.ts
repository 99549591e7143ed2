import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { within } from '../common/settles-within.js';
import { QUEUES, type DeliverWebhookJob, type DrainWebhookJob } from '../infra/queue/queue-names.js';
import { WEBHOOK_DRAIN_JOB, WEBHOOK_JOB, webhookDrainJobId, webhookJobId } from './webhook-job.js';

/**
 * The longest a call waits for Redis. BullMQ waits for as long as Redis is unreachable; the delivery rows are
 * in PostgreSQL, and the webhook sweep puts due ones on the queue again, so callers (a replay request, the
 * outbox relay) need not wait: they get an error after this and log that the sweep will.
 */
export const WEBHOOK_QUEUE_WAIT_MS = 2000;

/** Live job states: the job will still run (or is running). */
const LIVE = ['waiting', 'active', 'prioritized', 'waiting-children', 'delayed'];

/** Puts delivery attempts, and drains of resumed webhooks, on the webhooks queue (ids only; the rows decide what is sent). */
@Injectable()
export class WebhookDispatcher {
  constructor(@InjectQueue(QUEUES.webhooks) private readonly queue: Queue<DeliverWebhookJob | DrainWebhookJob>) {}

  async dispatch(deliveries: { id: string; attempts: number }[], delayMs = 0): Promise<void> {
    if (!deliveries.length) return;
    await this.inTime(this.add(deliveries, delayMs));
  }

  /** Makes sure the job for this attempt runs now: a delayed one is promoted, a finished or missing one added again. */
  ensureRunning(d: { id: string; attempts: number }): Promise<'alive' | 'promoted' | 'added'> {
    return this.inTime(this.revive(d));
  }

  /**
   * Makes sure a drain runs for each of these webhooks (one job per webhook at a time): a drain that is waiting
   * or running already takes every held delivery, including ones held after it started; a finished one is
   * replaced. Returns how many drains were queued.
   */
  drain(subscriptionIds: string[]): Promise<number> {
    return this.inTime(this.startDrains([...new Set(subscriptionIds)]));
  }

  private async startDrains(subscriptionIds: string[]): Promise<number> {
    let queued = 0;
    for (const subscriptionId of subscriptionIds) {
      const jobId = webhookDrainJobId(subscriptionId);
      const job = await this.queue.getJob(jobId);
      if (job && LIVE.includes(await job.getState())) continue;
      if (job) await this.queue.remove(jobId).catch(() => 0);
      await this.queue.add(WEBHOOK_DRAIN_JOB, { subscriptionId }, { jobId, attempts: 3, backoff: { type: 'exponential', delay: 1000 } });
      queued++;
    }
    return queued;
  }

  private async inTime<T>(work: Promise<T>): Promise<T> {
    const done = await within(work, WEBHOOK_QUEUE_WAIT_MS);
    if (!done) throw new Error(`Redis did not take the webhook job within ${WEBHOOK_QUEUE_WAIT_MS} ms`);
    return done.value;
  }

  private async add(deliveries: { id: string; attempts: number }[], delayMs: number): Promise<void> {
    await this.queue.addBulk(
      deliveries.map((d) => ({
        name: WEBHOOK_JOB,
        data: { deliveryId: d.id },
        opts: { jobId: webhookJobId(d.id, d.attempts), delay: delayMs > 0 ? delayMs : undefined, attempts: 3, backoff: { type: 'exponential', delay: 1000 } },
      })),
    );
  }

  private async revive(d: { id: string; attempts: number }): Promise<'alive' | 'promoted' | 'added'> {
    const jobId = webhookJobId(d.id, d.attempts);
    const job = await this.queue.getJob(jobId);
    const state = job ? await job.getState() : 'unknown';
    if (state === 'delayed') {
      await job!.promote().catch(() => undefined);
      return 'promoted';
    }
    if (['waiting', 'active', 'prioritized', 'waiting-children'].includes(state)) return 'alive';
    if (job) await this.queue.remove(jobId).catch(() => 0);
    await this.add([d], 0);
    return 'added';
  }
}
