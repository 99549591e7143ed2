import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { QUEUES, ScoreLeadsJob } from '../infra/queue/queue-names.js';
import { LeadScoringService, ScoringResult } from './lead-scoring.service.js';

/** Scores the pending events of the leads named in a job (ids only; the scoring queue table is the truth). */
@Processor(QUEUES.scoring, { concurrency: 2 })
export class ScoringProcessor extends WorkerHost {
  constructor(private readonly scoring: LeadScoringService) {
    super();
  }

  async process(job: Job<ScoreLeadsJob>): Promise<ScoringResult> {
    return this.scoring.scorePending(job.data.leadIds);
  }
}
