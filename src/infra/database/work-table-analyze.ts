/** What PostgreSQL's statistics say about a table, for deciding whether to ANALYZE it. */
export interface TableActivity {
  /** Rows inserted, updated or deleted since the table was last analyzed (pg_stat_user_tables.n_mod_since_analyze). */
  modifiedSinceAnalyze: number;
  /** The planner's row count (pg_class.reltuples; -1 when never vacuumed or analyzed). */
  estimatedRows: number;
  /** Whether the table was ever analyzed (by hand or by autovacuum). */
  analyzed: boolean;
}

/** Autovacuum's defaults: analyze once 50 rows plus 10 % of the table changed. */
export const ANALYZE_BASE_THRESHOLD = 50;
export const ANALYZE_SCALE_FACTOR = 0.1;

/**
 * Whether a work table's planner statistics are stale enough to ANALYZE it, by autovacuum's rule
 * (changed rows above 50 + 10 % of the table, or never analyzed). ANALYZE reads a sample of up to
 * 30,000 rows and computes statistics on every column (the outbox's JSON payloads too): a few
 * hundred milliseconds of CPU on a table of tens of thousands of rows, so running it on every
 * vacuum pass (every 10 s) took a core away from request handling in bursts while the table's
 * statistics had hardly changed.
 */
export function needsAnalyze(t: TableActivity): boolean {
  if (!t.analyzed) return true;
  return t.modifiedSinceAnalyze > ANALYZE_BASE_THRESHOLD + ANALYZE_SCALE_FACTOR * Math.max(t.estimatedRows, 0);
}
