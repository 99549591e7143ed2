import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { FunnelGroup } from './dto/funnel.query.js';
import { funnelPeriod } from './funnel.js';

/** Grouping key columns of funnel_daily / funnel_facts, and the same keys computed from a lead row (SQL functions of the migration). */
const FACT_KEY: Record<Exclude<FunnelGroup, 'program'>, string> = { channel: 'channel', campaign: 'campaign', source: 'source' };
const LEAD_KEY: Record<Exclude<FunnelGroup, 'program'>, string> = {
  channel: 'funnel_channel(channel)',
  campaign: 'funnel_campaign(source)',
  source: 'funnel_source(source)',
};

/**
 * SLA figures over the hand-offs `h` of the cohort ($3 = now, for what is due), as the domain's slaCompliance
 * counts one hand-off. Only a sales answer is a response (responded_at; a hand-off the system closed has closed_at
 * instead). A hand-off is due when sales answered it, when it ever missed its SLA (even when it was given to another
 * rep with a fresh deadline, which clears its breach flag, and answered within that one), or when its deadline passed
 * while it was open: before it was closed, or before now while still open (LEAST skips a null closed_at). In time:
 * answered by sales by the deadline and never missed. The median response time is that of sales' answers.
 */
const SLA_COLUMNS = `count(*)::int AS handoffs,
                count(*) FILTER (WHERE h.responded_at IS NOT NULL OR h.breach_count > 0 OR h.sla_due_at < LEAST(h.closed_at, $3::timestamptz))::int AS due,
                count(*) FILTER (WHERE h.responded_at IS NOT NULL AND h.responded_at <= h.sla_due_at AND h.breach_count = 0)::int AS in_time,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY h.response_s) FILTER (WHERE h.responded_at IS NOT NULL) AS median_response_s`;

/** Won deals of the hand-offs `h` with a value, in their currency ($3 = the reporting currency, for deals without one). */
const WON_DEALS = `h.status = 'won' AND h.value IS NOT NULL`;

/**
 * Medians sort every duration of the period (hundreds of thousands at scale): enough memory to sort them
 * in memory instead of spilling to disk, for this statement's transaction only.
 */
const SORT_MEMORY = `SET LOCAL work_mem = '32MB'`;

/**
 * Stage counts per `key` over a period, as rows to sum: the daily rows of its whole UTC days (`daily`, each
 * selecting `key, leads, mql, sql, opportunity, won`) and, one by one, the lead rows of the partial days at its
 * ends (`leads`, a table with created_at and the milestone columns). Parameters: those of `periodParams`.
 */
function periodCountRows(daily: { table: string; key: string }[], leads: { table: string; key: string }): string {
  return [
    ...daily.map((d) => `SELECT ${d.key} AS key, leads, mql, sql, opportunity, won FROM ${d.table} WHERE day >= $3::date AND day < $4::date`),
    `SELECT ${leads.key}, 1, (mql_at IS NOT NULL)::int, (sql_at IS NOT NULL)::int, (opportunity_at IS NOT NULL)::int, (customer_at IS NOT NULL)::int
                     FROM ${leads.table} WHERE (created_at >= $1 AND created_at < $5) OR (created_at >= $6 AND created_at < $2)`,
  ].join(`
                   UNION ALL
                   `);
}

/** $1 from, $2 to, $3–$4 its whole UTC days, $5 the end of its first partial day, $6 the start of its last. */
function periodParams(from: Date, to: Date): string[] {
  const p = funnelPeriod(from, to);
  return [from.toISOString(), to.toISOString(), p.firstDay, p.endDay, p.headEnd.toISOString(), p.tailStart.toISOString()];
}

/** Sums of the rows of `periodCountRows`. */
const STAGE_SUMS = `sum(leads)::int AS leads, sum(mql)::int AS mql, sum(sql)::int AS sql, sum(opportunity)::int AS opportunity, sum(won)::int AS won`;

/** Lead counts and medians of a group; `key` null is the totals over all leads of the period. */
export interface CountsRow {
  key: string | null;
  /** The program's name, for groups by program (keyed by program id: two programs may share a name). */
  name?: string;
  leads: number;
  mql: number;
  sql: number;
  opportunity: number;
  won: number;
  median_s_to_mql: number | null;
  median_s_mql_to_sql: number | null;
}

/** SLA figures of a group's hand-offs; `key` null is the totals. */
export interface SlaRow {
  key: string | null;
  handoffs: number;
  due: number;
  in_time: number;
  median_response_s: number | null;
}

/** Won deal value of a group in one currency; `key` null is the totals. */
export interface RevenueRow {
  key: string | null;
  currency: string;
  revenue: number;
}

export interface FunnelRows {
  counts: CountsRow[];
  sla: SlaRow[];
  revenue: RevenueRow[];
}

/** The funnel's reads, per group and in total: over every lead of the period (rows keyed null). */
@Injectable()
export class FunnelQueries {
  constructor(private readonly db: DataSource) {}

  /**
   * Channel, campaign and UTM source funnels from the pre-aggregated tables (migration 1764001300000):
   * counts from the daily rows for the whole UTC days of the period plus the leads of the partial days at
   * its ends (read from leads, so any instant works), medians from the narrow facts of the leads that reached
   * MQL, hand-off KPIs from the narrow facts of the hand-offs. Same figures as a pass over every lead, at a
   * fraction of the cost. The groups partition the leads, so the same scans give the totals (grouping sets);
   * without `groupBy`, only the totals.
   */
  async aggregated(groupBy: Exclude<FunnelGroup, 'program'> | null, from: Date, to: Date, now: Date, reportingCurrency: string): Promise<FunnelRows> {
    // Folding pending deltas first keeps the read small; it is optional for correctness (both tables are read).
    await this.db.query(`SELECT funnel_compact()`);
    const key = groupBy ? FACT_KEY[groupBy] : 'NULL::text';
    const leadKey = groupBy ? LEAD_KEY[groupBy] : 'NULL::text';
    // Per key and in total; or, without groupBy, the one group of every lead (keyed null).
    const byKey = (k: string, whole = '()') => (groupBy ? `GROUPING SETS ((${k}), ())` : whole);
    const period = [from.toISOString(), to.toISOString()];
    const [counts, sla, revenue] = await Promise.all([
      this.sortingQuery<CountsRow>(
        `WITH counts AS (
           SELECT key, ${STAGE_SUMS}
             FROM (${periodCountRows([{ table: 'funnel_daily', key }, { table: 'funnel_daily_deltas', key }], { table: 'leads', key: leadKey })}) x
            GROUP BY ${byKey('key', 'key')} HAVING sum(leads) > 0
         ), medians AS (
           SELECT ${key} AS key,
                  percentile_cont(0.5) WITHIN GROUP (ORDER BY s_to_mql) AS median_s_to_mql,
                  percentile_cont(0.5) WITHIN GROUP (ORDER BY s_mql_to_sql) FILTER (WHERE s_mql_to_sql IS NOT NULL) AS median_s_mql_to_sql
             FROM funnel_facts WHERE created_at >= $1 AND created_at < $2 GROUP BY ${byKey(key)}
         )
         SELECT c.*, m.median_s_to_mql, m.median_s_mql_to_sql FROM counts c LEFT JOIN medians m ON m.key IS NOT DISTINCT FROM c.key
          ORDER BY c.key IS NULL, c.leads DESC, c.key`,
        periodParams(from, to),
      ),
      this.sortingQuery<SlaRow>(
        `SELECT ${groupBy ? `h.${key}` : key} AS key, ${SLA_COLUMNS}
           FROM funnel_handoff_facts h WHERE h.lead_created_at >= $1 AND h.lead_created_at < $2 GROUP BY ${byKey(`h.${key}`)}`,
        [...period, now.toISOString()],
      ),
      this.db.query(
        `SELECT key, currency, sum(value)::float8 AS revenue
           FROM (SELECT ${groupBy ? `h.${key}` : key} AS key, coalesce(h.currency, $3) AS currency, h.value FROM funnel_handoff_facts h
                  WHERE h.lead_created_at >= $1 AND h.lead_created_at < $2 AND ${WON_DEALS}) w
          GROUP BY ${groupBy ? 'GROUPING SETS ((key, currency), (currency))' : 'key, currency'}`,
        [...period, reportingCurrency],
      ) as Promise<RevenueRow[]>,
    ]);
    return { counts, sla, revenue };
  }

  /**
   * Per program: a lead counts once in every program it was ever enrolled in. Reads views that workers refresh
   * every ANALYTICS_PROGRAM_REFRESH_MS (default 5 minutes) instead of joining every enrollment with every lead:
   * counts from the per-program daily rows (`funnel_program_daily`) for the whole UTC days of the period plus
   * the lead rows (`funnel_program_leads`) of the partial days at its ends, as the other groupings do; medians
   * from the lead rows of the MQL leads. Programs overlap and leave leads out, so the totals are those of every
   * lead of the period, as for the other groupings.
   */
  async program(from: Date, to: Date, now: Date, reportingCurrency: string): Promise<FunnelRows> {
    const period = [from.toISOString(), to.toISOString()];
    const handoffs = `funnel_program_handoffs h WHERE h.lead_created_at >= $1 AND h.lead_created_at < $2`;
    const [counts, sla, revenue, totals] = await Promise.all([
      this.sortingQuery<CountsRow>(
        `WITH counts AS (
           SELECT key AS program_id, ${STAGE_SUMS}
             FROM (${periodCountRows([{ table: 'funnel_program_daily', key: 'program_id' }], { table: 'funnel_program_leads', key: 'program_id' })}) x
            GROUP BY key
         ), medians AS (
           SELECT program_id,
                  percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM mql_at - created_at)) AS median_s_to_mql,
                  percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM sql_at - mql_at)) FILTER (WHERE sql_at IS NOT NULL AND sql_at >= mql_at) AS median_s_mql_to_sql
             FROM funnel_program_leads WHERE created_at >= $1 AND created_at < $2 AND mql_at IS NOT NULL GROUP BY program_id
         )
         SELECT p.id::text AS key, p.name, c.leads, c.mql, c.sql, c.opportunity, c.won, m.median_s_to_mql, m.median_s_mql_to_sql
           FROM counts c JOIN programs p ON p.id = c.program_id LEFT JOIN medians m ON m.program_id = c.program_id
          ORDER BY c.leads DESC, p.name, p.id`,
        periodParams(from, to),
      ),
      this.sortingQuery<SlaRow>(`SELECT h.program_id::text AS key, ${SLA_COLUMNS} FROM ${handoffs} GROUP BY h.program_id`, [...period, now.toISOString()]),
      this.db.query(
        `SELECT h.program_id::text AS key, coalesce(h.currency, $3) AS currency, sum(h.value)::float8 AS revenue FROM ${handoffs} AND ${WON_DEALS} GROUP BY 1, 2`,
        [...period, reportingCurrency],
      ) as Promise<RevenueRow[]>,
      this.aggregated(null, from, to, now, reportingCurrency),
    ]);
    return { counts: [...counts, ...totals.counts], sla: [...sla, ...totals.sla], revenue: [...revenue, ...totals.revenue] };
  }

  /** When the per-program funnel rows were last refreshed. */
  async programDataAsOf(): Promise<string | null> {
    const [row]: { refreshed_at: Date }[] = await this.db.query(`SELECT refreshed_at FROM funnel_program_refreshes`);
    return row ? row.refreshed_at.toISOString() : null;
  }

  /** One read-only statement in its own short transaction, with memory to sort the medians. */
  private sortingQuery<T>(sql: string, params: unknown[]): Promise<T[]> {
    return this.db.transaction(async (m) => {
      await m.query(SORT_MEMORY);
      return m.query(sql, params);
    });
  }
}
