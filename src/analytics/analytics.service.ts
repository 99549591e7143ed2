import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { FunnelGroup } from './dto/funnel.query.js';
import { FunnelQueries, type CountsRow, type RevenueRow, type SlaRow } from './funnel-queries.js';
import { funnelRates, periodBound, revenueFigures } from './funnel.js';

const hours = (s: number | null) => (s === null ? null : Math.round((s / 3600) * 100) / 100);
const minutes = (s: number | null) => (s === null ? null : Math.round((s / 60) * 10) / 10);
const NO_LEADS = { leads: 0, mql: 0, sql: 0, opportunity: 0, won: 0, median_s_to_mql: null, median_s_mql_to_sql: null };

/**
 * Funnel and channel KPIs for leads created in a period: counts per stage reached, conversion rates, revenue
 * per lead and per SQL (in REPORTING_CURRENCY, every other currency listed apart), median time to MQL and
 * MQL→SQL, and SLA compliance of the hand-offs — per group, and in `totals` over every lead of the period (the
 * same whatever the grouping). Channel, campaign and source read pre-aggregated tables kept by triggers;
 * program reads the per-program lead rows workers refresh every few minutes (`programDataAsOf` says when).
 */
@Injectable()
export class AnalyticsService {
  constructor(
    private readonly queries: FunnelQueries,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async funnel(q: { from?: string; to?: string; groupBy?: FunnelGroup }) {
    const now = this.clock.now();
    const to = q.to ? this.bound(q.to, 'to') : now;
    const from = q.from ? this.bound(q.from, 'from') : new Date(to.getTime() - 90 * 86_400_000);
    if (from >= to) throw DomainError.invalidField('from', 'must be before to');
    const groupBy = q.groupBy ?? 'channel';
    const currency = this.config.reportingCurrency;
    const rows =
      groupBy === 'program' ? await this.queries.program(from, to, now, currency) : await this.queries.aggregated(groupBy, from, to, now, currency);
    const sla = new Map(rows.sla.map((h) => [h.key, h]));
    const figures = (c: CountsRow) => this.figures(c, sla.get(c.key), rows.revenue.filter((r) => r.key === c.key));
    const groups = rows.counts.filter((c) => c.key !== null).map((c) => ({ key: c.key, ...(c.name !== undefined && { name: c.name }), ...figures(c) }));
    const totals = figures(rows.counts.find((c) => c.key === null) ?? { key: null, ...NO_LEADS });
    const asOf = groupBy === 'program' ? { programDataAsOf: await this.queries.programDataAsOf() } : {};
    return { from: from.toISOString(), to: to.toISOString(), groupBy, reportingCurrency: currency, ...asOf, groups, totals };
  }

  /** A group's (or the totals') figures from its rows. */
  private figures(c: CountsRow, h: SlaRow | undefined, won: RevenueRow[]) {
    return {
      leads: c.leads,
      mql: c.mql,
      sql: c.sql,
      opportunity: c.opportunity,
      won: c.won,
      ...funnelRates(c),
      ...revenueFigures(won, this.config.reportingCurrency, c),
      medianHoursToMql: hours(c.median_s_to_mql),
      medianHoursMqlToSql: hours(c.median_s_mql_to_sql),
      sla: {
        handoffs: h?.handoffs ?? 0,
        due: h?.due ?? 0,
        answeredInTime: h?.in_time ?? 0,
        compliance: h && h.due > 0 ? Math.round((h.in_time / h.due) * 10_000) / 10_000 : null,
        medianResponseMinutes: minutes(h?.median_response_s ?? null),
      },
    };
  }

  /** A period bound as an instant: a date is a whole day in DEFAULT_TIMEZONE. */
  private bound(value: string, side: 'from' | 'to'): Date {
    const at = periodBound(value, side, this.config.defaultTimezone);
    if (!at) throw DomainError.invalidField(side, 'must be a date such as 2026-11-01 or an ISO-8601 timestamp with offset');
    return at;
  }
}
