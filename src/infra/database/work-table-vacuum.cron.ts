import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PeriodicTask } from '../../common/periodic-task.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';

/** Tables where every row is inserted, then updated or deleted within seconds: queues in PostgreSQL. */
export const WORK_TABLES = ['scoring_queue', 'outbox_events'] as const;

/**
 * Work tables turn over their whole content every few seconds under load; each deleted or updated row
 * stays behind as a dead tuple (and a dead index entry) until vacuumed, and the claims that scan them
 * get slower with every one. Their migrations tune autovacuum for them, but where autovacuum is off
 * (some managed or development servers, including the machine the benchmarks run on) nothing would
 * clean them, so a worker vacuums them itself. Plain VACUUM takes no lock that blocks reads or writes;
 * two workers vacuuming at once just wait for each other. It checks the server setting on every run,
 * so turning autovacuum on later makes this a no-op.
 */
@Injectable()
export class WorkTableVacuumCron extends PeriodicTask {
  protected readonly label = 'work table vacuum';

  constructor(
    private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  protected intervalMs(): number {
    return this.config.workTableVacuumMs || 3_600_000;
  }

  /** Vacuums the work tables when autovacuum is off; returns how many tables it vacuumed. */
  protected async run(): Promise<number> {
    if (!this.config.workTableVacuumMs) return 0;
    const [{ autovacuum }]: { autovacuum: string }[] = await this.db.query(`SELECT current_setting('autovacuum') AS autovacuum`);
    if (autovacuum === 'on') return 0;
    let done = 0;
    for (const table of WORK_TABLES) {
      if (this.isStopping()) break;
      await this.db.query(`VACUUM (ANALYZE) ${table}`);
      done++;
    }
    return done;
  }
}
