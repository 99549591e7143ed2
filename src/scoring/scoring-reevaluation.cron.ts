import { Inject, Injectable } from '@nestjs/common';
import { PeriodicTask } from '../common/periodic-task.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { ScoringReevaluationService } from './scoring-reevaluation.service.js';

/** Leads one re-evaluation transaction takes. */
export const REEVALUATION_BATCH = 2000;

/**
 * Carries a published scoring model's re-evaluation of every lead forward (see ScoringReevaluationService):
 * every SCORING_SWEEP_MS a worker looks for a running one (one index probe) and works through it batch by
 * batch until it completes, is superseded by a newer one (the next batch takes that), or the process stops.
 * Safe on several processes: a batch holds the run's row, so workers take turns and none repeats a batch.
 */
@Injectable()
export class ScoringReevaluationCron extends PeriodicTask {
  protected readonly label = 'scoring re-evaluation';

  constructor(
    private readonly reevaluations: ScoringReevaluationService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  protected intervalMs(): number {
    return this.config.scoringSweepMs;
  }

  /** Re-evaluates leads until no run is left for this process; returns how many. */
  protected async run(): Promise<number> {
    let leads = 0;
    while (!this.isStopping()) {
      const batch = await this.reevaluations.runBatch(REEVALUATION_BATCH);
      if (!batch) break;
      leads += batch.leads;
    }
    return leads;
  }
}
