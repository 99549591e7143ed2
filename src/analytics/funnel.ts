/** Pure arithmetic of the funnel: rates and per-lead figures from counts, never dividing by zero. */
export interface FunnelCounts {
  leads: number;
  mql: number;
  sql: number;
  opportunity: number;
  won: number;
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
    revenuePerLead: money(c.revenue, c.leads),
    revenuePerSql: money(c.revenue, c.sql),
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
