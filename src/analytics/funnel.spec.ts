import fc from 'fast-check';
import { funnelPeriod, funnelRates, isPeriodBound, periodBound, revenueFigures } from './funnel.js';

describe('funnel arithmetic', () => {
  it('computes the conversion between stages and revenue per lead and per SQL', () => {
    const c = { leads: 200, mql: 40, sql: 10, opportunity: 6, won: 4 };
    expect(funnelRates(c).rates).toEqual({ leadToMql: 0.2, mqlToSql: 0.25, sqlToOpportunity: 0.6, sqlToWon: 0.4, leadToWon: 0.02 });
    const r = revenueFigures([{ currency: 'EUR', revenue: 20_000 }], 'EUR', c);
    expect(r.revenuePerLead).toBe(100);
    expect(r.revenuePerSql).toBe(2000);
  });

  it('reports no rate rather than dividing by zero', () => {
    const c = { leads: 0, mql: 0, sql: 0, opportunity: 0, won: 0 };
    expect(funnelRates(c).rates.leadToMql).toBeNull();
    expect(revenueFigures([], 'EUR', c)).toEqual({ revenue: 0, revenuePerLead: null, revenuePerSql: null, currencies: [], revenueByCurrency: [] });
  });

  it('never adds up currencies: revenue is the reporting currency only, every currency is listed with its own figures', () => {
    const won = [
      { currency: 'USD', revenue: 1000 },
      { currency: 'EUR', revenue: 1000 },
      { currency: 'CHF', revenue: 450 },
    ];
    expect(revenueFigures(won, 'EUR', { leads: 20, sql: 4 })).toEqual({
      revenue: 1000,
      revenuePerLead: 50,
      revenuePerSql: 250,
      currencies: ['CHF', 'EUR', 'USD'],
      revenueByCurrency: [
        { currency: 'CHF', revenue: 450, revenuePerLead: 22.5, revenuePerSql: 112.5 },
        { currency: 'EUR', revenue: 1000, revenuePerLead: 50, revenuePerSql: 250 },
        { currency: 'USD', revenue: 1000, revenuePerLead: 50, revenuePerSql: 250 },
      ],
    });
    // Deals only in other currencies: no revenue in the reporting currency, which is not listed.
    expect(revenueFigures([{ currency: 'USD', revenue: 300 }], 'EUR', { leads: 3, sql: 0 })).toMatchObject({
      revenue: 0,
      revenuePerLead: 0,
      revenuePerSql: null,
      currencies: ['USD'],
      revenueByCurrency: [{ currency: 'USD', revenue: 300, revenuePerLead: 100, revenuePerSql: null }],
    });
  });

  it('keeps every rate between 0 and 1 for a proper funnel (property)', () => {
    fc.assert(
      fc.property(fc.nat(10_000), fc.nat(100), fc.nat(100), fc.nat(100), (leads, a, b, c) => {
        const mql = Math.floor((leads * a) / 100);
        const sql = Math.floor((mql * b) / 100);
        const won = Math.floor((sql * c) / 100);
        const { rates } = funnelRates({ leads, mql, sql, opportunity: won, won });
        return Object.values(rates).every((v) => v === null || (v >= 0 && v <= 1));
      }),
    );
  });
});

describe('funnelPeriod', () => {
  const DAY = 86_400_000;

  it('reads whole UTC days from the aggregate and the partial days at the ends lead by lead', () => {
    const p = funnelPeriod(new Date('2025-04-01T07:30:00Z'), new Date('2025-04-05T18:00:00Z'));
    expect(p).toEqual({
      firstDay: '2025-04-02',
      endDay: '2025-04-05',
      headEnd: new Date('2025-04-02T00:00:00Z'),
      tailStart: new Date('2025-04-05T00:00:00Z'),
    });
  });

  it('needs no lead-by-lead part for a period of whole days', () => {
    const p = funnelPeriod(new Date('2025-04-01T00:00:00Z'), new Date('2025-07-01T00:00:00Z'));
    expect(p).toMatchObject({ firstDay: '2025-04-01', endDay: '2025-07-01' });
    expect(p.headEnd).toEqual(new Date('2025-04-01T00:00:00Z'));
    expect(p.tailStart).toEqual(new Date('2025-07-01T00:00:00Z'));
  });

  it('reads everything lead by lead when the period holds no whole day', () => {
    const to = new Date('2025-04-02T03:00:00Z');
    const p = funnelPeriod(new Date('2025-04-01T20:00:00Z'), to);
    expect(p.firstDay).toBe(p.endDay); // empty day range
    expect(p.headEnd).toEqual(to);
    expect(p.tailStart).toEqual(to);
  });

  it('covers every instant of [from, to) exactly once (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_000_000_000_000 }), fc.integer({ min: 1, max: 40 * DAY }), fc.integer({ min: 0, max: 40 * DAY }), (start, length, probe) => {
        const from = new Date(start);
        const to = new Date(start + length);
        const at = start + (probe % length);
        const p = funnelPeriod(from, to);
        const dayStart = Date.parse(`${p.firstDay}T00:00:00Z`);
        const dayEnd = Date.parse(`${p.endDay}T00:00:00Z`);
        const inHead = at >= from.getTime() && at < p.headEnd.getTime();
        const inDays = at >= dayStart && at < dayEnd;
        const inTail = at >= p.tailStart.getTime() && at < to.getTime();
        const outside = start + length + (probe % DAY); // never counted
        const counted = (x: number) => (x >= from.getTime() && x < p.headEnd.getTime() ? 1 : 0) + (x >= dayStart && x < dayEnd ? 1 : 0) + (x >= p.tailStart.getTime() && x < to.getTime() ? 1 : 0);
        return Number(inHead) + Number(inDays) + Number(inTail) === 1 && counted(outside) === 0 && counted(start - 1 - (probe % DAY)) === 0;
      }),
    );
  });
});

describe('periodBound: a date is a whole day in the default time zone', () => {
  const BRUSSELS = 'Europe/Brussels';
  const at = (value: string, side: 'from' | 'to', zone = BRUSSELS) => periodBound(value, side, zone)?.toISOString();

  it('from a date is the start of that day and to a date the end of it (the start of the next), in Brussels time', () => {
    expect(at('2026-11-01', 'from')).toBe('2026-10-31T23:00:00.000Z');
    expect(at('2026-11-30', 'to')).toBe('2026-11-30T23:00:00.000Z');
    expect(at('2026-07-01', 'from')).toBe('2026-06-30T22:00:00.000Z');
    expect(at('2026-07-01', 'to')).toBe('2026-07-01T22:00:00.000Z');
  });

  it('a day with a daylight-saving change lasts 23 or 25 hours', () => {
    expect(at('2026-03-29', 'from')).toBe('2026-03-28T23:00:00.000Z');
    expect(at('2026-03-29', 'to')).toBe('2026-03-29T22:00:00.000Z');
    expect(at('2026-10-25', 'from')).toBe('2026-10-24T22:00:00.000Z');
    expect(at('2026-10-25', 'to')).toBe('2026-10-25T23:00:00.000Z');
  });

  it('follows the configured zone, and keeps a timestamp as the instant it names', () => {
    expect(at('2026-11-01', 'from', 'UTC')).toBe('2026-11-01T00:00:00.000Z');
    expect(at('2026-11-01', 'from', 'America/New_York')).toBe('2026-11-01T04:00:00.000Z');
    expect(at('2026-11-01T10:00:00+01:00', 'from')).toBe('2026-11-01T09:00:00.000Z');
    expect(at('2026-11-01T10:00:00Z', 'to')).toBe('2026-11-01T10:00:00.000Z');
  });

  it('refuses what is neither a date nor a timestamp with offset', () => {
    for (const bad of ['2026-02-30', '2026-13-01', '2026-11-1', '01-11-2026', '2026-11-01T10:00', 'yesterday', '', '2026-11-01T25:00:00Z']) {
      expect(isPeriodBound(bad)).toBe(false);
      expect(periodBound(bad, 'from', BRUSSELS)).toBeNull();
    }
    expect(isPeriodBound('2028-02-29')).toBe(true);
    expect(isPeriodBound(20261101)).toBe(false);
  });
});
