import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import { Queue, type JobType } from 'bullmq';
import { Clock } from '../common/clock.js';
import { PeriodicTask } from '../common/periodic-task.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { QUEUES, type DeliverEmailJob } from '../infra/queue/queue-names.js';
import { DELIVER_JOB, deliveryJobId } from './delivery-job.js';
import { HeldMessagesRepository } from './held-messages.repository.js';
import { QueuedMessagesRepository } from './queued-messages.repository.js';

const BATCH = 500;
const ALIVE = new Set(['waiting', 'delayed', 'active', 'prioritized', 'waiting-children']);
/** Pages of BATCH jobs the sweep reads to find the messages of jobs that name several. */
const BATCH_SCAN_PAGES = 20;
const ALL = new Set<string>();

export interface SweepResult {
  held: number;
  redispatched: number;
}

/**
 * Two safety nets, each a part of the tick that fails on its own (PeriodicTask.part), safe on several processes:
 * - a message 'sending' for longer than EMAIL_SENDING_TIMEOUT_MS lost its worker, perhaps after the SMTP
 *   server accepted it; it is held (status_reason ambiguous_after_crash) and counted, never re-sent;
 * - a 'queued' message overdue by EMAIL_REDISPATCH_AFTER_MS whose job is gone (Redis lost it, or it failed)
 *   is dispatched again — safe, because delivery claims the row first. Its job is the one for its id and
 *   attempt, or one that names several messages (dispatch), found by reading the jobs still to run.
 */
@Injectable()
export class EmailDeliverySweepCron extends PeriodicTask {
  protected readonly label = 'email delivery sweep';

  constructor(
    private readonly held: HeldMessagesRepository,
    private readonly queued: QueuedMessagesRepository,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(QUEUES.emailDelivery) private readonly queue: Queue<DeliverEmailJob>,
  ) {
    super();
  }

  protected intervalMs(): number {
    return this.config.email.sweepMs;
  }

  protected async run(): Promise<number> {
    const r = await this.sweep();
    return r.held + r.redispatched;
  }

  /** Both safety nets once. */
  async sweep(): Promise<SweepResult> {
    return {
      held: await this.part('holding stuck emails failed', () => this.holdStuck()),
      redispatched: await this.part('re-dispatching lost emails failed', () => this.redispatchLost()),
    };
  }

  private async holdStuck(): Promise<number> {
    const before = new Date(this.clock.now().getTime() - this.config.email.sendingTimeoutMs);
    const held = await this.held.holdStuck(before);
    if (held.length) {
      this.logger.warn(
        { count: held.length, messageIds: held.slice(0, 20) },
        'emails held: their worker stopped mid-send, so they may have been delivered; they will not be re-sent automatically',
      );
    }
    return held.length;
  }

  private async redispatchLost(): Promise<number> {
    const before = new Date(this.clock.now().getTime() - this.config.email.redispatchAfterMs);
    const overdue = await this.queued.overdue(before, BATCH);
    // One round trip for the batch: ioredis pipelines the concurrent lookups.
    const states = await Promise.all(overdue.map((m) => this.queue.getJobState(deliveryJobId(m.id, m.attempts))));
    const jobless = overdue.filter((_, i) => !ALIVE.has(states[i]));
    const inBatches = jobless.length ? await this.namedByLiveBatches() : new Set<string>();
    const lost = inBatches === ALL ? [] : jobless.filter((m) => !inBatches.has(m.id));
    for (const { id, attempts } of lost) {
      const jobId = deliveryJobId(id, attempts);
      await this.queue.remove(jobId).catch(() => 0); // a finished job that did not send: make room for a new one
      await this.queue.add(DELIVER_JOB, { messageId: id }, { jobId });
    }
    if (lost.length) this.logger.warn({ count: lost.length }, 'queued emails had lost their job and were dispatched again');
    return lost.length;
  }

  /**
   * The messages named by jobs of several messages that are still to run or running. Reads at most
   * BATCH_SCAN_PAGES pages of jobs; if there are more, returns ALL (this tick assumes every job is alive).
   */
  private async namedByLiveBatches(): Promise<Set<string>> {
    const named = new Set<string>();
    for (let page = 0; page < BATCH_SCAN_PAGES; page++) {
      const jobs = await this.queue.getJobs([...ALIVE] as JobType[], page * BATCH, (page + 1) * BATCH - 1, true);
      if (!jobs.length) return named;
      for (const job of jobs) for (const id of job?.data?.messageIds ?? []) named.add(id.toLowerCase());
    }
    return ALL;
  }
}
