import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import type { FunnelGroup } from './dto/funnel.query.js';
import { funnelRates } from './funnel.js';

const GROUP_SQL: Record<Exclude<FunnelGroup, 'program'>, string> = {
  channel: `coalesce(l.channel, 'unknown')`,
  campaign: `coalesce(l.source->>'campaign', 'unknown')`,
  source: `coalesce(l.source->'utm'->>'source', 'unknown')`,
};

interface GroupRow {
  key: string;
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
 * hand-offs. One pass over leads (milestone columns) plus one over their hand-offs.
 */
@Injectable()
export class AnalyticsService {
  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock,
  ) {}

  async funnel(q: { from?: string; to?: string; groupBy?: FunnelGroup }) {
    const now = this.clock.now();
    const to = q.to ? new Date(q.to) : now;
    const from = q.from ? new Date(q.from) : new Date(to.getTime() - 90 * 86_400_000);
    if (from >= to) throw DomainError.invalidField('from', 'must be before to');
    const groupBy = q.groupBy ?? 'channel';
    const cohort =
      groupBy === 'program'
        ? `SELECT l.*, p.name AS grp FROM leads l JOIN (SELECT DISTINCT lead_id, program_id FROM enrollments) e ON e.lead_id = l.id
             JOIN programs p ON p.id = e.program_id WHERE l.created_at >= $1 AND l.created_at < $2`
        : `SELECT l.*, ${GROUP_SQL[groupBy]} AS grp FROM leads l WHERE l.created_at >= $1 AND l.created_at < $2`;
    const params = [from.toISOString(), to.toISOString()];
    const [groups, handoffs]: [GroupRow[], HandoffRow[]] = await Promise.all([
      this.db.query(
        `WITH cohort AS (${cohort})
         SELECT grp AS key, count(*)::int AS leads, count(mql_at)::int AS mql, count(sql_at)::int AS sql,
                count(opportunity_at)::int AS opportunity, count(customer_at)::int AS won,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM mql_at - created_at)) FILTER (WHERE mql_at IS NOT NULL) AS median_s_to_mql,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM sql_at - mql_at)) FILTER (WHERE sql_at IS NOT NULL AND mql_at IS NOT NULL AND sql_at >= mql_at) AS median_s_mql_to_sql
           FROM cohort GROUP BY grp ORDER BY count(*) DESC, grp`,
        params,
      ),
      this.db.query(
        `WITH cohort AS (${cohort})
         SELECT c.grp AS key,
                sum(h.value) FILTER (WHERE h.status = 'won')::float8 AS revenue,
                array_agg(DISTINCT h.currency) FILTER (WHERE h.status = 'won' AND h.currency IS NOT NULL) AS currencies,
                count(*)::int AS handoffs,
                count(*) FILTER (WHERE h.responded_at IS NOT NULL OR h.sla_due_at < $3)::int AS due,
                count(*) FILTER (WHERE h.responded_at IS NOT NULL AND h.responded_at <= h.sla_due_at)::int AS in_time,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM h.responded_at - h.created_at)) FILTER (WHERE h.responded_at IS NOT NULL) AS median_response_s
           FROM handoffs h JOIN cohort c ON c.id = h.lead_id GROUP BY c.grp`,
        [...params, now.toISOString()],
      ),
    ]);
    const byKey = new Map(handoffs.map((h) => [h.key, h]));
    const rows = groups.map((g) => {
      const h = byKey.get(g.key);
      const revenue = h?.revenue ?? 0;
      return {
        key: g.key,
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
    return { from: from.toISOString(), to: to.toISOString(), groupBy, groups: rows, totals: { ...totals, ...funnelRates(totals) } };
  }
}
