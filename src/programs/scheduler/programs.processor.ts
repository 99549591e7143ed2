import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { QUEUES, type RunEnrollmentsJob } from '../../infra/queue/queue-names.js';
import { ProgramSchedulerCron } from './program-scheduler.cron.js';
import { ProgramScheduler } from './program-scheduler.service.js';

/**
 * Runs the enrollments a wake-up job names, if they are (still) due; the database decides, not the job.
 * A job naming none runs the tick now (after the run under way, which may have looked too early): the same
 * loops drain what is due, so a nudge adds no loop to those already contending for the due rows.
 */
@Processor(QUEUES.programs, { concurrency: 4 })
export class ProgramsProcessor extends WorkerHost {
  constructor(
    private readonly scheduler: ProgramScheduler,
    private readonly tick: ProgramSchedulerCron,
  ) {
    super();
  }

  async process(job: Job<RunEnrollmentsJob>): Promise<number> {
    const ids = job.data.enrollmentIds;
    return ids ? this.scheduler.runBatch(ids) : this.tick.tickAfterCurrent();
  }
}
