import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { QUEUES, ScoreLeadsJob } from '../infra/queue/queue-names.js';
import type { ScoringResult } from './lead-scoring.service.js';
import { ScoringBatcher } from './scoring-batcher.js';

/**
 * Scores the pending events of the leads named in a job (ids only; the scoring queue table is the
 * truth). Many jobs are taken at once so the batcher can score their leads together: the
 * concurrency bounds jobs waiting for a batch, not transactions (the batcher bounds those).
 */
@Processor(QUEUES.scoring, { concurrency: 64 })
export class ScoringProcessor extends WorkerHost {
  constructor(private readonly batcher: ScoringBatcher) {
    super();
  }

  async process(job: Job<ScoreLeadsJob>): Promise<ScoringResult> {
    return this.batcher.score(job.data.leadIds);
  }
}
