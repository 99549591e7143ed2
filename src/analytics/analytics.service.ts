import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { FunnelGroup } from './dto/funnel.query.js';
import { funnelPeriod, funnelRates, periodBound } from './funnel.js';

/** Grouping key columns of funnel_daily / funnel_facts, and the same keys computed from a lead row (SQL functions of the migration). */
const FACT_KEY: Record<Exclude<FunnelGroup, 'program'>, string> = { channel: 'channel', campaign: 'campaign', source: 'source' };
const LEAD_KEY: Record<Exclude<FunnelGroup, 'program'>, string> = {
  channel: 'funnel_channel(channel)',
  campaign: 'funnel_campaign(source)',
  source: 'funnel_source(source)',
};

/**
 * Revenue and SLA figures over the hand-offs `h` of the cohort ($3 = now, for what is due), given the SQL of a hand-off's
 * response time in seconds. A hand-off that ever missed its SLA is due and missed, even when it was given to another rep
 * with a fresh deadline (which clears its breach flag) and answered within that one.
 */
const handoffColumns = (responseSeconds: string) => `sum(h.value) FILTER (WHERE h.status = 'won')::float8 AS revenue,
                array_agg(DISTINCT h.currency) FILTER (WHERE h.status = 'won' AND h.currency IS NOT NULL) AS currencies,
                count(*)::int AS handoffs,
                count(*) FILTER (WHERE h.responded_at IS NOT NULL OR h.sla_due_at < $3 OR h.breach_count > 0)::int AS due,
                count(*) FILTER (WHERE h.responded_at IS NOT NULL AND h.responded_at <= h.sla_due_at AND h.breach_count = 0)::int AS in_time,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY ${responseSeconds}) FILTER (WHERE h.responded_at IS NOT NULL) AS median_response_s`;

/**
 * Medians sort every duration of the period (hundreds of thousands at scale): enough memory to sort them
 * in memory instead of spilling to disk, for this statement's transaction only.
 */
const SORT_MEMORY = `SET LOCAL work_mem = '32MB'`;

interface GroupRow {
  key: string;
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

interface HandoffRow {
  key: string;
  revenue: number | null;
  currencies: string[] | null;
  handoffs: number;
  due: number;
  in_time: number;
  median_response_s: number | null;
}

const hours = (s: number | null) => (s === null ? null : Math.round((s / 3600) * 100) / 100);
const minutes = (s: number | null) => (s === null ? null : Math.round((s / 60) * 10) / 10);

/**
 * Funnel and channel KPIs for leads created in a period: counts per stage reached, conversion
 * rates, revenue per lead and per SQL, median time to MQL and MQL→SQL, and SLA compliance of the
 * hand-offs. Channel, campaign and source read pre-aggregated tables kept by triggers; program reads
 * the per-program lead rows workers refresh every few minutes (`programDataAsOf` says when).
 */
@Injectable()
export class AnalyticsService {
  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async funnel(q: { from?: string; to?: string; groupBy?: FunnelGroup }) {
    const now = this.clock.now();
    const to = q.to ? this.bound(q.to, 'to') : now;
    const from = q.from ? this.bound(q.from, 'from') : new Date(to.getTime() - 90 * 86_400_000);
    if (from >= to) throw DomainError.invalidField('from', 'must be before to');
    const groupBy = q.groupBy ?? 'channel';
    const [groups, handoffs] = groupBy === 'program' ? await this.programFunnel(from, to, now) : await this.aggregatedFunnel(groupBy, from, to, now);
    const byKey = new Map(handoffs.map((h) => [h.key, h]));
    const rows = groups.map((g) => {
      const h = byKey.get(g.key);
      const revenue = h?.revenue ?? 0;
      return {
        key: g.key,
        ...(g.name !== undefined && { name: g.name }),
        leads: g.leads,
        mql: g.mql,
        sql: g.sql,
        opportunity: g.opportunity,
        won: g.won,
        ...funnelRates({ ...g, revenue }),
        revenue,
        currencies: h?.currencies ?? [],
        medianHoursToMql: hours(g.median_s_to_mql),
        medianHoursMqlToSql: hours(g.median_s_mql_to_sql),
        sla: {
          handoffs: h?.handoffs ?? 0,
          due: h?.due ?? 0,
          answeredInTime: h?.in_time ?? 0,
          compliance: h && h.due > 0 ? Math.round((h.in_time / h.due) * 10_000) / 10_000 : null,
          medianResponseMinutes: minutes(h?.median_response_s ?? null),
        },
      };
    });
    const sum = (f: (r: (typeof rows)[number]) => number) => rows.reduce((s, r) => s + f(r), 0);
    const totals = { leads: sum((r) => r.leads), mql: sum((r) => r.mql), sql: sum((r) => r.sql), opportunity: sum((r) => r.opportunity), won: sum((r) => r.won), revenue: sum((r) => r.revenue) };
    const asOf = groupBy === 'program' ? { programDataAsOf: await this.programDataAsOf() } : {};
    return { from: from.toISOString(), to: to.toISOString(), groupBy, ...asOf, groups: rows, totals: { ...totals, ...funnelRates(totals) } };
  }

  /** A period bound as an instant: a date is a whole day in DEFAULT_TIMEZONE. */
  private bound(value: string, side: 'from' | 'to'): Date {
    const at = periodBound(value, side, this.config.defaultTimezone);
    if (!at) throw DomainError.invalidField(side, 'must be a date such as 2026-11-01 or an ISO-8601 timestamp with offset');
    return at;
  }

  /**
   * Channel, campaign and UTM source funnels from the pre-aggregated tables (migration 1764001300000):
   * counts from the daily rows for the whole UTC days of the period plus the leads of the partial days at
   * its ends (read from leads, so any instant works), medians from the narrow facts of the leads that reached
   * MQL, hand-off KPIs from the narrow facts of the hand-offs. Same figures as a pass over every lead, at a
   * fraction of the cost.
   */
  private async aggregatedFunnel(groupBy: Exclude<FunnelGroup, 'program'>, from: Date, to: Date, now: Date): Promise<[GroupRow[], HandoffRow[]]> {
    // Folding pending deltas first keeps the read small; it is optional for correctness (both tables are read).
    await this.db.query(`SELECT funnel_compact()`);
    const p = funnelPeriod(from, to);
    const key = FACT_KEY[groupBy];
    const params = [from.toISOString(), to.toISOString(), p.firstDay, p.endDay, p.headEnd.toISOString(), p.tailStart.toISOString()];
    return Promise.all([
      this.sortingQuery<GroupRow>(
        `WITH counts AS (
           SELECT key, sum(leads)::int AS leads, sum(mql)::int AS mql, sum(sql)::int AS sql, sum(opportunity)::int AS opportunity, sum(won)::int AS won
             FROM (SELECT ${key} AS key, leads, mql, sql, opportunity, won FROM funnel_daily WHERE day >= $3::date AND day < $4::date
                   UNION ALL
                   SELECT ${key}, leads, mql, sql, opportunity, won FROM funnel_daily_deltas WHERE day >= $3::date AND day < $4::date
                   UNION ALL
                   SELECT ${LEAD_KEY[groupBy]}, 1, (mql_at IS NOT NULL)::int, (sql_at IS NOT NULL)::int, (opportunity_at IS NOT NULL)::int, (customer_at IS NOT NULL)::int
                     FROM leads WHERE (created_at >= $1 AND created_at < $5) OR (created_at >= $6 AND created_at < $2)) x
            GROUP BY key HAVING sum(leads) > 0
         ), medians AS (
           SELECT ${key} AS key,
                  percentile_cont(0.5) WITHIN GROUP (ORDER BY s_to_mql) AS median_s_to_mql,
                  percentile_cont(0.5) WITHIN GROUP (ORDER BY s_mql_to_sql) FILTER (WHERE s_mql_to_sql IS NOT NULL) AS median_s_mql_to_sql
             FROM funnel_facts WHERE created_at >= $1 AND created_at < $2 GROUP BY 1
         )
         SELECT c.*, m.median_s_to_mql, m.median_s_mql_to_sql FROM counts c LEFT JOIN medians m ON m.key = c.key ORDER BY c.leads DESC, c.key`,
        params,
      ),
      this.sortingQuery<HandoffRow>(
        `SELECT h.${key} AS key, ${handoffColumns('h.response_s')}
           FROM funnel_handoff_facts h WHERE h.lead_created_at >= $1 AND h.lead_created_at < $2 GROUP BY 1`,
        [from.toISOString(), to.toISOString(), now.toISOString()],
      ),
    ]);
  }

  /** One read-only statement in its own short transaction, with memory to sort the medians. */
  private sortingQuery<T>(sql: string, params: unknown[]): Promise<T[]> {
    return this.db.transaction(async (m) => {
      await m.query(SORT_MEMORY);
      return m.query(sql, params);
    });
  }

  /**
   * Per program: a lead counts once in every program it was ever enrolled in. Reads the narrow rows of the
   * `funnel_program_leads` view (refreshed by workers every ANALYTICS_PROGRAM_REFRESH_MS, default 5 minutes) instead of joining
   * every enrollment with every lead; counts by hash, medians over the MQL leads only.
   */
  private async programFunnel(from: Date, to: Date, now: Date): Promise<[GroupRow[], HandoffRow[]]> {
    const cohort = `SELECT f.program_id, f.lead_id, f.created_at, f.mql_at, f.sql_at, f.opportunity_at, f.customer_at
             FROM funnel_program_leads f WHERE f.created_at >= $1 AND f.created_at < $2`;
    const params = [from.toISOString(), to.toISOString()];
    // Counts (hashed) and medians (sorted, MQL leads only) each scan the narrow rows once: cheaper than
    // materialising the cohort for both.
    return Promise.all([
      this.sortingQuery<GroupRow>(
        `WITH counts AS (
           SELECT program_id, count(*)::int AS leads, count(mql_at)::int AS mql, count(sql_at)::int AS sql,
                  count(opportunity_at)::int AS opportunity, count(customer_at)::int AS won
             FROM (${cohort}) c GROUP BY program_id
         ), medians AS (
           SELECT program_id,
                  percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM mql_at - created_at)) AS median_s_to_mql,
                  percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM sql_at - mql_at)) FILTER (WHERE sql_at IS NOT NULL AND sql_at >= mql_at) AS median_s_mql_to_sql
             FROM (${cohort}) c WHERE mql_at IS NOT NULL GROUP BY program_id
         )
         SELECT p.id::text AS key, p.name, c.leads, c.mql, c.sql, c.opportunity, c.won, m.median_s_to_mql, m.median_s_mql_to_sql
           FROM counts c JOIN programs p ON p.id = c.program_id LEFT JOIN medians m ON m.program_id = c.program_id
          ORDER BY c.leads DESC, p.name, p.id`,
        params,
      ),
      this.sortingQuery<HandoffRow>(
        `SELECT h.program_id::text AS key, ${handoffColumns('h.response_s')}
           FROM funnel_program_handoffs h
          WHERE h.lead_created_at >= $1 AND h.lead_created_at < $2
          GROUP BY h.program_id`,
        [...params, now.toISOString()],
      ),
    ]);
  }

  /** When the per-program funnel rows were last refreshed. */
  async programDataAsOf(): Promise<string | null> {
    const [row]: { refreshed_at: Date }[] = await this.db.query(`SELECT refreshed_at FROM funnel_program_refreshes`);
    return row ? row.refreshed_at.toISOString() : null;
  }
}
