import { Inject, Injectable } from '@nestjs/common';
import { PeriodicTask } from '../common/periodic-task.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { LeadScoringService } from './lead-scoring.service.js';

const BATCH = 500;

/**
 * Safety net: finds events that have waited on the scoring queue for a while (a job lost with
 * Redis, a worker killed) and scores them. Safe on several processes: batches lock their leads.
 */
@Injectable()
export class ScoringSweepCron extends PeriodicTask {
  protected readonly label = 'scoring sweep';

  constructor(
    private readonly scoring: LeadScoringService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  protected intervalMs(): number {
    return this.config.scoringSweepMs;
  }

  /** Scores everything that waited longer than one sweep period; returns how many events. */
  protected async run(): Promise<number> {
    let scored = 0;
    while (!this.isStopping()) {
      const leadIds = await this.scoring.leadsWaiting(this.config.scoringSweepMs, BATCH);
      if (!leadIds.length) break;
      const result = await this.scoring.scorePending(leadIds);
      scored += result.events;
      if (result.leads === 0) break; // all locked by other workers
    }
    return scored;
  }
}
