import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { QUEUES, type RunEnrollmentsJob } from '../../infra/queue/queue-names.js';
import { ProgramScheduler } from './program-scheduler.service.js';

/**
 * Runs the enrollments a wake-up job names, if they are (still) due; the database decides, not the job.
 * A job naming none drains everything due, beside the tick's own loops (SKIP LOCKED shares the work).
 */
@Processor(QUEUES.programs, { concurrency: 4 })
export class ProgramsProcessor extends WorkerHost {
  constructor(private readonly scheduler: ProgramScheduler) {
    super();
  }

  async process(job: Job<RunEnrollmentsJob>): Promise<number> {
    const ids = job.data.enrollmentIds;
    return ids ? this.scheduler.runBatch(ids) : this.scheduler.drain();
  }
}
