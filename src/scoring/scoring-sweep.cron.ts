import { Inject, Injectable } from '@nestjs/common';
import { PeriodicTask } from '../common/periodic-task.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { LeadScoringService } from './lead-scoring.service.js';

/** How long past the scanner-burst window a tracked open or click waits before it is scored. */
const AFTER_BURST_WINDOW_MS = 500;

/**
 * Scores what waits on the scoring queue once it is due: tracked opens and clicks (stored by the tracking
 * drain) once they have waited out the scanner-burst window plus AFTER_BURST_WINDOW_MS, so a scanner burst
 * found by a later click is marked machine before anything scores, and events whose scoring job was lost.
 * Each transaction takes the leads of the longest-waiting rows with their other waiting events, so a lead
 * opening and clicking within that window is scored once. Runs every SCORING_SWEEP_MS, until nothing due is
 * left. Safe on several processes: each transaction skips the queue rows and leads another holds, so sweeps
 * in several workers share a backlog.
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

  /** Scores everything due; returns how many events. */
  protected async run(): Promise<number> {
    let scored = 0;
    while (!this.isStopping()) {
      const result = await this.scoring.scoreDue(this.config.trackingBurstWindowMs + AFTER_BURST_WINDOW_MS, this.config.scoringSweepBatch);
      scored += result.events;
      if (result.leads === 0) break; // nothing due, or all of it held by other transactions
    }
    return scored;
  }
}
