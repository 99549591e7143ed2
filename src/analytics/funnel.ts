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
