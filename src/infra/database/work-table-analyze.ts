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

/** What the pacing of the scored tables' ANALYZE looks at, besides {@link TableActivity}. */
export interface ScoredTableActivity extends TableActivity {
  /** Live rows now, as PostgreSQL counts them on inserts and deletes (pg_stat_user_tables.n_live_tup). */
  liveRows: number;
  /** Milliseconds since the last ANALYZE (by hand or by autovacuum); null when never analyzed. */
  msSinceAnalyze: number | null;
}

/** A scored table is analyzed at most this often (ms) unless its size changed twofold (see needsScoredAnalyze). */
export const SCORED_ANALYZE_MIN_AGE_MS = 60_000;

/**
 * Whether a scored table (leads, events, ledger: written by every ingested event) is due for ANALYZE:
 * autovacuum's rule, paced to once a minute. Under sustained ingestion the rule fired on every vacuum
 * pass (10 s), three tables each time, each ANALYZE ~0.45 s of server CPU on the bench machine (a
 * 30,000-row sample; 42 of them in one ingest bench run), so a fifth of the database's CPU went to
 * statistics that move slowly: a tenth more events, or scores that changed. What the refresh is
 * for, re-planning prepared statements made for a much smaller table, is not paced: a table whose
 * size doubled or halved since its statistics were taken is analyzed at once.
 */
export function needsScoredAnalyze(t: ScoredTableActivity): boolean {
  if (!needsAnalyze(t)) return false;
  if (t.msSinceAnalyze === null || t.msSinceAnalyze >= SCORED_ANALYZE_MIN_AGE_MS) return true;
  const rows = Math.max(t.estimatedRows, 0);
  return t.liveRows > 2 * rows || t.liveRows < rows / 2;
}
