import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { LeadScoringService } from './lead-scoring.service.js';

const BATCH = 500;

/**
 * Safety net: finds events that have waited on the scoring queue for a while (a job lost with
 * Redis, a worker killed) and scores them. Safe on several processes: batches lock their leads.
 */
@Injectable()
export class ScoringSweepCron implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ScoringSweepCron.name);
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly scoring: LeadScoringService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.config.scoringSweepMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** One sweep: score everything that waited longer than one sweep period. */
  async tick(): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    let scored = 0;
    try {
      for (;;) {
        const leadIds = await this.scoring.leadsWaiting(this.config.scoringSweepMs, BATCH);
        if (!leadIds.length) break;
        const result = await this.scoring.scorePending(leadIds);
        scored += result.events;
        if (result.leads === 0) break; // all locked by other workers
      }
    } catch (err) {
      this.logger.error(err instanceof Error ? err : String(err), 'scoring sweep failed');
    } finally {
      this.running = false;
    }
    return scored;
  }
}
