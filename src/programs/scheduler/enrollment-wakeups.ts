import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { QUEUES, type RunEnrollmentsJob } from '../../infra/queue/queue-names.js';

/**
 * Delayed wake-up jobs for enrollments due soon, so a step due in 40 seconds runs on the second
 * rather than at the next tick. Only an optimisation: jobs carry ids, the processor re-claims the
 * rows (and re-checks they are due), and the tick loop finds anything a lost job would have woken.
 */
@Injectable()
export class EnrollmentWakeups {
  private readonly logger = new Logger(EnrollmentWakeups.name);

  constructor(@InjectQueue(QUEUES.programs) private readonly queue: Queue<RunEnrollmentsJob>) {}

  /**
   * Asks a worker to run what is due now rather than at its next tick (PROGRAMS_TICK_MS): one job, deduplicated
   * within a second, whatever the number of enrollments. Best effort, like every wake-up.
   */
  async nudge(now: Date): Promise<void> {
    try {
      // While Redis is unreachable the queue gives up after QUEUE_ADD_WAIT_MS (a wake-up is only an optimisation).
      await this.queue.add('tick', {}, { jobId: `tick-${Math.floor(now.getTime() / 1000)}`, removeOnComplete: true, removeOnFail: true, attempts: 1 });
    } catch (err) {
      this.logger.warn({ err: String(err) }, 'could not nudge the scheduler; the tick will run what is due');
    }
  }

  async schedule(items: { id: string; at: Date }[], now: Date): Promise<void> {
    if (!items.length) return;
    try {
      await this.queue.addBulk(
        items.map(({ id, at }) => ({
          name: 'run',
          data: { enrollmentIds: [id] },
          opts: { delay: Math.max(0, at.getTime() - now.getTime()), jobId: wakeJobId(id, at), removeOnComplete: true, attempts: 1 },
        })),
      );
    } catch (err) {
      this.logger.warn({ err: String(err) }, 'could not schedule enrollment wake-ups; the tick will run them');
    }
  }

  /**
   * Drops the wake-ups of enrollments that ended, each due at `at` (its next_run_at before it ended), REMOVE_CHUNK
   * removals in flight at a time. Tidiness only: a wake-up that still fires claims nothing, as the claim takes active
   * enrollments only.
   */
  async cancel(items: { id: string; at: Date }[]): Promise<void> {
    for (let i = 0; i < items.length; i += REMOVE_CHUNK) {
      const chunk = items.slice(i, i + REMOVE_CHUNK);
      try {
        await Promise.all(chunk.map(({ id, at }) => this.queue.remove(wakeJobId(id, at))));
      } catch (err) {
        this.logger.warn({ err: String(err), enrollments: items.length }, 'could not remove the wake-ups of ended enrollments; they will find nothing to run');
        return;
      }
    }
  }
}

/** Wake-up removals sent to Redis at once. */
const REMOVE_CHUNK = 100;

/** One job per enrollment and due time: repeats of the same wake-up are dropped by BullMQ. */
function wakeJobId(id: string, at: Date): string {
  return `wake-${id}-${at.getTime()}`;
}
