import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { QUEUES, type RunEnrollmentsJob } from '../../infra/queue/queue-names.js';
import { ProgramScheduler } from './program-scheduler.service.js';

/** Runs the enrollments a wake-up job names, if they are (still) due; the database decides, not the job. */
@Processor(QUEUES.programs, { concurrency: 4 })
export class ProgramsProcessor extends WorkerHost {
  constructor(private readonly scheduler: ProgramScheduler) {
    super();
  }

  async process(job: Job<RunEnrollmentsJob>): Promise<number> {
    return this.scheduler.runBatch(job.data.enrollmentIds);
  }
}
