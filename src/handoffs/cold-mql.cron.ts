import { Inject, Injectable } from '@nestjs/common';
import { PeriodicTask } from '../common/periodic-task.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { ColdMqlRecycling } from './cold-mql-recycling.service.js';

/**
 * Every MQL_COLD_SWEEP_MS a worker recycles MQLs sales never took up that showed no engagement for
 * MQL_COLD_AFTER_DAYS (safe on several workers: see ColdMqlRecycling). With MQL_COLD_AFTER_DAYS=0 it does nothing.
 */
@Injectable()
export class ColdMqlCron extends PeriodicTask {
  protected readonly label = 'Cold MQL sweep';

  constructor(
    private readonly recycling: ColdMqlRecycling,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  protected intervalMs(): number {
    return this.config.handoffs.mqlColdSweepMs;
  }

  protected async run(): Promise<number> {
    const n = await this.recycling.recycleCold(() => this.isStopping());
    if (n) this.logger.log({ count: n }, 'MQLs went cold and were recycled');
    return n;
  }
}
