import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PeriodicTask } from '../common/periodic-task.js';

/**
 * Folds the funnel deltas written by the lead triggers into the daily rows every minute in a worker, so
 * they stay few even when nobody opens the funnel for a while (the funnel endpoint also folds before
 * reading). funnel_compact() is safe to run from several processes at once: one folds, the others skip.
 */
@Injectable()
export class FunnelCompactionCron extends PeriodicTask {
  protected readonly label = 'funnel compaction';

  constructor(private readonly db: DataSource) {
    super();
  }

  protected intervalMs(): number {
    return 60_000;
  }

  protected async run(): Promise<number> {
    const [row]: { folded: string }[] = await this.db.query(`SELECT funnel_compact() AS folded`);
    return Number(row?.folded ?? 0);
  }
}
