import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Queue } from 'bullmq';
import { QUEUES, ScoreLeadsJob } from '../infra/queue/queue-names.js';

/** Lead ids per scoring job. */
export const JOB_CHUNK = 500;
/** How long ids from concurrent requests are gathered before one job carries them all (ms). */
export const WAKEUP_WINDOW_MS = 10;

/**
 * Coalesces "score these leads" wake-ups from many requests into few BullMQ jobs: one job per
 * request cost a Redis round trip in the request and a job (with its bookkeeping) in the worker
 * for every single event. Ids gathered for a few milliseconds go out as one `addBulk`.
 *
 * Nothing depends on this buffer for correctness: the events and their scoring_queue rows are
 * committed before an id gets here, so a wake-up lost with the process (or with Redis) only
 * delays scoring until the scoring sweep finds the rows.
 */
@Injectable()
export class ScoringWakeups implements OnModuleDestroy {
  private readonly logger = new Logger(ScoringWakeups.name);
  private pending = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(@InjectQueue(QUEUES.scoring) private readonly queue: Queue<ScoreLeadsJob>) {}

  /** Asks for these leads to be scored soon; never throws and never waits for Redis. */
  request(leadIds: Iterable<string>): void {
    for (const id of leadIds) this.pending.add(id);
    if (this.pending.size >= JOB_CHUNK) this.flush();
    else if (!this.timer && this.pending.size) {
      this.timer = setTimeout(() => this.flush(), WAKEUP_WINDOW_MS);
    }
  }

  /** Sends what is pending now; resolves when every send started so far has finished. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.pending.size) return this.flushing;
    const ids = [...this.pending];
    this.pending = new Set();
    const jobs: { name: string; data: ScoreLeadsJob }[] = [];
    for (let i = 0; i < ids.length; i += JOB_CHUNK) jobs.push({ name: 'score', data: { leadIds: ids.slice(i, i + JOB_CHUNK) } });
    const sent = this.queue.addBulk(jobs).then(
      () => undefined,
      (err: unknown) => {
        // The events are stored and queued in PostgreSQL; the sweep will score them.
        this.logger.warn({ err }, 'could not enqueue scoring jobs; the sweep will pick the events up');
      },
    );
    this.flushing = Promise.all([this.flushing, sent]).then(() => undefined);
    return this.flushing;
  }

  /** On shutdown, hands what is gathered to Redis before the queue connection closes. */
  async onModuleDestroy(): Promise<void> {
    await this.flush();
  }
}
