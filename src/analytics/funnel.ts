import { DateTime } from 'luxon';
import { parseTimestamp } from '../common/timestamp.js';

/** Pure arithmetic of the funnel: rates and per-lead figures from counts, never dividing by zero. */
export interface FunnelCounts {
  leads: number;
  mql: number;
  sql: number;
  opportunity: number;
  won: number;
}

/** Won deal value in one currency (deals without a currency are in the reporting currency). */
export interface CurrencyRevenue {
  currency: string;
  revenue: number;
}

const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 10_000) / 10_000 : null);
const money = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 100) / 100 : null);

export function funnelRates(c: FunnelCounts) {
  return {
    rates: {
      leadToMql: ratio(c.mql, c.leads),
      mqlToSql: ratio(c.sql, c.mql),
      sqlToOpportunity: ratio(c.opportunity, c.sql),
      sqlToWon: ratio(c.won, c.sql),
      leadToWon: ratio(c.won, c.leads),
    },
  };
}

/**
 * Revenue without exchange rates: `revenue`, `revenuePerLead` and `revenuePerSql` count only the deals in the
 * reporting currency; `revenueByCurrency` lists every currency's own figures (per lead and per SQL of all the
 * leads and SQLs, whatever the currency of their deal), by currency code; `currencies` names them.
 */
export function revenueFigures(won: CurrencyRevenue[], reportingCurrency: string, c: Pick<FunnelCounts, 'leads' | 'sql'>) {
  const byCurrency = [...won]
    .sort((a, b) => (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0))
    .map((r) => ({ currency: r.currency, revenue: r.revenue, revenuePerLead: money(r.revenue, c.leads), revenuePerSql: money(r.revenue, c.sql) }));
  const reporting = byCurrency.find((r) => r.currency === reportingCurrency);
  return {
    revenue: reporting?.revenue ?? 0,
    revenuePerLead: money(reporting?.revenue ?? 0, c.leads),
    revenuePerSql: money(reporting?.revenue ?? 0, c.sql),
    currencies: byCurrency.map((r) => r.currency),
    revenueByCurrency: byCurrency,
  };
}

const DAY_MS = 86_400_000;

/**
 * Splits a period [from, to) into whole UTC days [firstDay, endDay) — read from the daily aggregate — and
 * the partial days at its ends, [from, headEnd) and [tailStart, to), read lead by lead. When the period
 * holds no whole day, everything is "head" and the day range is empty.
 */
export function funnelPeriod(from: Date, to: Date) {
  const firstDay = Math.ceil(from.getTime() / DAY_MS) * DAY_MS;
  const endDay = Math.floor(to.getTime() / DAY_MS) * DAY_MS;
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  if (firstDay >= endDay) return { firstDay: iso(firstDay), endDay: iso(firstDay), headEnd: to, tailStart: to };
  return { firstDay: iso(firstDay), endDay: iso(endDay), headEnd: new Date(firstDay), tailStart: new Date(endDay) };
}

const CALENDAR_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Whether `value` is a calendar date `YYYY-MM-DD` that exists (no 30 February). */
export function isCalendarDate(value: unknown): value is string {
  return typeof value === 'string' && CALENDAR_DATE.test(value) && parseTimestamp(value, { requireOffset: false }) !== null;
}

/** Whether `value` can bound a funnel period: a calendar date or an ISO-8601 timestamp with offset. */
export function isPeriodBound(value: unknown): value is string {
  return isCalendarDate(value) || parseTimestamp(value) !== null;
}

/**
 * The instant a period bound stands for. A timestamp is itself. A calendar date is a whole day in `zone`
 * (DEFAULT_TIMEZONE): as `from` its start, as `to` its end — the start of the next day, since the period
 * ends before `to` — so `from=2026-11-01&to=2026-11-30` is all of November there. Null for anything else.
 */
export function periodBound(value: string, side: 'from' | 'to', zone: string): Date | null {
  if (isCalendarDate(value)) {
    const day = DateTime.fromISO(value, { zone }).startOf('day');
    return (side === 'from' ? day : day.plus({ days: 1 }).startOf('day')).toJSDate();
  }
  return parseTimestamp(value);
}
