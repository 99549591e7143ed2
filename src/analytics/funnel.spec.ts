import fc from 'fast-check';
import { funnelRates } from './funnel.js';

describe('funnel arithmetic', () => {
  it('computes the conversion between stages and revenue per lead and per SQL', () => {
    const r = funnelRates({ leads: 200, mql: 40, sql: 10, opportunity: 6, won: 4, revenue: 20_000 });
    expect(r.rates).toEqual({ leadToMql: 0.2, mqlToSql: 0.25, sqlToOpportunity: 0.6, sqlToWon: 0.4, leadToWon: 0.02 });
    expect(r.revenuePerLead).toBe(100);
    expect(r.revenuePerSql).toBe(2000);
  });

  it('reports no rate rather than dividing by zero', () => {
    const r = funnelRates({ leads: 0, mql: 0, sql: 0, opportunity: 0, won: 0, revenue: 0 });
    expect(r.rates.leadToMql).toBeNull();
    expect(r.revenuePerSql).toBeNull();
  });

  it('keeps every rate between 0 and 1 for a proper funnel (property)', () => {
    fc.assert(
      fc.property(fc.nat(10_000), fc.nat(100), fc.nat(100), fc.nat(100), (leads, a, b, c) => {
        const mql = Math.floor((leads * a) / 100);
        const sql = Math.floor((mql * b) / 100);
        const won = Math.floor((sql * c) / 100);
        const { rates } = funnelRates({ leads, mql, sql, opportunity: won, won, revenue: 0 });
        return Object.values(rates).every((v) => v === null || (v >= 0 && v <= 1));
      }),
    );
  });
});
