import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock.js';
import { PeriodicTask } from '../common/periodic-task.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';

/** The per-program funnel views, in the order they are refreshed: the daily counts sum the lead rows refreshed before them. */
export const PROGRAM_FUNNEL_VIEWS = ['funnel_program_leads', 'funnel_program_handoffs', 'funnel_program_daily'] as const;

/**
 * Refreshes the per-program funnel rows (materialized views `funnel_program_leads` and `funnel_program_handoffs`, migration
 * 1764001320000, and the daily counts of the first, `funnel_program_daily`, migration 1764006700000) every
 * ANALYTICS_PROGRAM_REFRESH_MS, in one transaction, so readers see all three as of the same moment. CONCURRENTLY,
 * so funnel readers never wait; one worker at a time (an advisory lock: the others skip that round). Records when
 * it ran, which the funnel reports as `programDataAsOf`.
 */
@Injectable()
export class ProgramFunnelRefreshCron extends PeriodicTask {
  protected readonly label = 'program funnel refresh';

  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  protected intervalMs(): number {
    return this.config.analyticsProgramRefreshMs;
  }

  /** Returns 1 when this call refreshed the rows, 0 when another worker was at it. */
  protected async run(): Promise<number> {
    return this.db.transaction(async (m) => {
      const [{ locked }]: { locked: boolean }[] = await m.query(`SELECT pg_try_advisory_xact_lock(hashtext('funnel_program_leads')) AS locked`);
      if (!locked) return 0;
      const started = this.clock.now().toISOString();
      await m.query(`SET LOCAL jit = off`);
      for (const view of PROGRAM_FUNNEL_VIEWS) await m.query(`REFRESH MATERIALIZED VIEW CONCURRENTLY ${view}`);
      await m.query(`UPDATE funnel_program_refreshes SET refreshed_at = $1`, [started]);
      return 1;
    });
  }
}
