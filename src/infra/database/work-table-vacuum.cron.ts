import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PeriodicTask } from '../../common/periodic-task.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { needsAnalyze, needsScoredAnalyze, type ScoredTableActivity } from './work-table-analyze.js';

/** Tables where every row is inserted, then updated or deleted within seconds: queues in PostgreSQL. */
export const WORK_TABLES = ['scoring_queue', 'outbox_events'] as const;

/**
 * Tables every ingested event writes to (scores, events, ledger). They are not vacuumed here, but
 * their statistics are refreshed by the same rule, paced to once a minute unless a table's size doubled
 * or halved (see needsScoredAnalyze), when autovacuum is off: PostgreSQL re-plans a
 * connection's prepared statements only when a table's statistics change, so without ANALYZE the
 * plans a connection made while `leads` was nearly empty (a scan of the whole table to update one
 * lead's score, chosen when that was one page) stayed in use once it held 50,000 leads.
 */
export const SCORED_TABLES = ['leads', 'events', 'score_ledger'] as const;

/**
 * Work tables turn over their whole content every few seconds under load; each deleted or updated row
 * stays behind as a dead tuple (and a dead index entry) until vacuumed, and the claims that scan them
 * get slower with every one. Their migrations tune autovacuum for them, but where autovacuum is off
 * (some managed or development servers, including the machine the benchmarks run on) nothing would
 * clean them, so a worker vacuums them itself. Plain VACUUM takes no lock that blocks reads or writes;
 * two workers vacuuming at once just wait for each other. It checks the server setting on every run,
 * so turning autovacuum on later makes this a no-op. Statistics are refreshed (ANALYZE) only when
 * autovacuum's rule says they are stale (see needsAnalyze): analyzing the outbox every pass cost a few
 * hundred milliseconds of CPU each time, a burst that showed in request latency on a small machine.
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

  /** Vacuums the work tables (and analyzes stale scored tables) when autovacuum is off; returns how many tables it vacuumed. */
  protected async run(): Promise<number> {
    if (!this.config.workTableVacuumMs) return 0;
    const [{ autovacuum }]: { autovacuum: string }[] = await this.db.query(`SELECT current_setting('autovacuum') AS autovacuum`);
    if (autovacuum === 'on') return 0;
    const activity = await this.activity();
    let done = 0;
    for (const table of WORK_TABLES) {
      if (this.isStopping()) break;
      const stale = needsAnalyze(activity.get(table) ?? { analyzed: false, modifiedSinceAnalyze: 0, estimatedRows: -1 });
      await this.db.query(stale ? `VACUUM (ANALYZE) ${table}` : `VACUUM ${table}`);
      done++;
    }
    for (const table of SCORED_TABLES) {
      if (this.isStopping()) break;
      const stats = activity.get(table);
      if (stats && needsScoredAnalyze(stats)) await this.db.query(`ANALYZE ${table}`);
    }
    return done;
  }

  /** Changes since the last ANALYZE, its age, and estimated and live size of each work table and scored table. */
  private async activity(): Promise<Map<string, ScoredTableActivity>> {
    const rows: { relname: string; modified: number; reltuples: number; live: number; age_ms: number | null }[] = await this.db.query(
      `SELECT s.relname, s.n_mod_since_analyze::float8 AS modified, c.reltuples::float8 AS reltuples, s.n_live_tup::float8 AS live,
              (extract(epoch FROM clock_timestamp() - greatest(s.last_analyze, s.last_autoanalyze)) * 1000)::float8 AS age_ms
         FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
        WHERE s.schemaname = current_schema() AND s.relname = ANY($1::text[])`,
      [[...WORK_TABLES, ...SCORED_TABLES]],
    );
    return new Map(
      rows.map((r) => [
        r.relname,
        { modifiedSinceAnalyze: r.modified, estimatedRows: r.reltuples, analyzed: r.age_ms !== null, liveRows: r.live, msSinceAnalyze: r.age_ms },
      ]),
    );
  }
}
