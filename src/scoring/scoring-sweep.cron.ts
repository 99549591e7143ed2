import { Inject, Injectable } from '@nestjs/common';
import { PeriodicTask } from '../common/periodic-task.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { LeadScoringService } from './lead-scoring.service.js';

/** Queue rows whose leads one transaction takes (a lead with several waiting events takes fewer leads). */
const BATCH = 2000;
/** How long past the scanner-burst window a tracked open or click waits before it is scored. */
const AFTER_BURST_WINDOW_MS = 500;

/**
 * Scores what waits on the scoring queue once it is due: tracked opens and clicks (stored by the tracking
 * drain) once they have waited out the scanner-burst window plus AFTER_BURST_WINDOW_MS, so a scanner burst
 * found by a later click is marked machine before anything scores, and events whose scoring job was lost.
 * Each transaction takes the leads of the longest-waiting rows with their other waiting events, so a lead
 * opening and clicking within that window is scored once. Runs every SCORING_SWEEP_MS, until nothing due is
 * left. Safe on several processes: transactions skip leads another holds. But sweeps in several workers reach
 * for the same oldest rows, so while one scores them the others mostly find their leads held and wait for
 * their next run: scoring runs about one transaction at a time however many workers there are. On 2 cores one
 * sweep kept up with the tracking benchmark's 10 s bursts of up to 11,951 hits per second (everything scored
 * 2.3–4.2 s after a burst ended).
 * Taking the rows themselves with SKIP LOCKED would let sweeps share a backlog, but then two sweeps can each
 * hold a row of a lead the other locked and wait for each other, so taking a lead's rows must skip locked
 * rows too; not done yet.
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

  /** How long a queued event waits before it is scored. */
  private dueAfterMs(): number {
    return this.config.trackingBurstWindowMs + AFTER_BURST_WINDOW_MS;
  }

  /** Scores everything due; returns how many events. */
  protected async run(): Promise<number> {
    let scored = 0;
    while (!this.isStopping()) {
      const result = await this.scoring.scoreDue(this.dueAfterMs(), BATCH);
      scored += result.events;
      if (result.leads === 0) break; // nothing due, or all of it held by other transactions
    }
    return scored;
  }
}
