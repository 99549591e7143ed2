import { ManualClock } from '../src/common/clock.js';
import { startTestApp, TestApp } from './support/test-app.js';

describe('funnel and channel KPIs', () => {
  let t: TestApp;
  const clock = new ManualClock('2026-06-30T12:00:00Z');

  beforeAll(async () => {
    t = await startTestApp({ clock });
    // A known data set: 10 Google leads (4 MQL, 2 SQL, 1 won for 5,000 EUR), 5 Meta leads (1 MQL), 1 lead outside the period.
    const lead = async (i: number, channel: string, campaign: string, created: string, m: { mql?: number; sql?: number; won?: number } = {}) => {
      const at = (h?: number) => (h === undefined ? null : new Date(new Date(created).getTime() + h * 3600_000).toISOString());
      const [row] = await t.db.query(
        `INSERT INTO leads (email, email_normalized, stage, channel, source, created_at, updated_at, mql_at, sql_at, customer_at)
         VALUES ($1, $1, 'lead', $2, $3, $4, $4, $5, $6, $7) RETURNING id`,
        [`f${i}@example.be`, channel, JSON.stringify({ channel, campaign, utm: { source: channel === 'google_ads' ? 'google' : 'facebook' } }), created, at(m.mql), at(m.sql), at(m.won)],
      );
      return row.id as string;
    };
    const handoff = async (leadId: string, created: string, dueMinutes: number, respondedMinutes: number | null, status: string, value?: number) => {
      const plus = (min: number) => new Date(new Date(created).getTime() + min * 60_000).toISOString();
      await t.db.query(
        `INSERT INTO handoffs (lead_id, status, priority, reason, outbox_event_id, snapshot, sla_due_at, responded_at, value, currency, created_at, updated_at)
         VALUES ($1, $2, 'medium', 'mql_rule', gen_random_uuid(), '{}', $3, $4, $5, $6, $7, $7)`,
        [leadId, status, plus(dueMinutes), respondedMinutes === null ? null : plus(respondedMinutes), value ?? null, value ? 'EUR' : null, created],
      );
    };
    const g: string[] = [];
    for (let i = 0; i < 10; i++) {
      const milestones = i === 0 ? { mql: 10, sql: 30, won: 100 } : i === 1 ? { mql: 20, sql: 50 } : i < 4 ? { mql: 30 } : {};
      g.push(await lead(i, 'google_ads', 'offerte-q2', `2026-05-0${1 + (i % 9)}T09:00:00Z`, milestones));
    }
    await handoff(g[0], '2026-05-01T19:00:00Z', 60, 30, 'won', 5000); // answered in time
    await handoff(g[1], '2026-05-02T05:00:00Z', 60, 90, 'accepted'); // answered late
    await handoff(g[2], '2026-05-03T15:00:00Z', 60, null, 'pending'); // overdue, unanswered
    for (let i = 10; i < 15; i++) await lead(i, 'meta', 'lente', '2026-05-10T09:00:00Z', i === 10 ? { mql: 48 } : {});
    await lead(99, 'google_ads', 'old', '2025-01-01T09:00:00Z', { mql: 1 });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('counts stages, rates, revenue, time to MQL and SLA compliance per channel', async () => {
    const res = await t.api('get', '/api/v1/analytics/funnel?from=2026-04-01T00:00:00Z&to=2026-07-01T00:00:00Z&groupBy=channel');
    expect(res.status).toBe(200);
    const google = res.body.groups.find((x: { key: string }) => x.key === 'google_ads');
    expect(google).toMatchObject({
      leads: 10,
      mql: 4,
      sql: 2,
      won: 1,
      rates: { leadToMql: 0.4, mqlToSql: 0.5, sqlToWon: 0.5 },
      revenue: 5000,
      currencies: ['EUR'],
      revenuePerLead: 500,
      revenuePerSql: 2500,
      medianHoursToMql: 25, // 10, 20, 30, 30 hours → median 25
      medianHoursMqlToSql: 25, // 20 and 30 hours
      sla: { handoffs: 3, due: 3, answeredInTime: 1, compliance: 0.3333, medianResponseMinutes: 60 },
    });
    const meta = res.body.groups.find((x: { key: string }) => x.key === 'meta');
    expect(meta).toMatchObject({ leads: 5, mql: 1, sql: 0, rates: { leadToMql: 0.2, mqlToSql: 0 }, medianHoursToMql: 48 });
    expect(res.body.totals).toMatchObject({ leads: 15, mql: 5, sql: 2, won: 1, revenue: 5000 });
  });

  it('groups by UTM source and by campaign, and leaves out leads created outside the period', async () => {
    const bySource = await t.api('get', '/api/v1/analytics/funnel?from=2026-04-01T00:00:00Z&to=2026-07-01T00:00:00Z&groupBy=source');
    expect(bySource.body.groups.map((x: { key: string; leads: number }) => [x.key, x.leads])).toEqual([
      ['google', 10],
      ['facebook', 5],
    ]);
    const byCampaign = await t.api('get', '/api/v1/analytics/funnel?groupBy=campaign');
    expect(byCampaign.body.groups.map((x: { key: string }) => x.key).sort()).toEqual(['lente', 'offerte-q2']);
  });

  it('refuses a bad period or grouping naming the field', async () => {
    const bad = await t.api('get', '/api/v1/analytics/funnel?groupBy=color');
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].field).toBe('groupBy');
    const reversed = await t.api('get', '/api/v1/analytics/funnel?from=2026-07-01T00:00:00Z&to=2026-04-01T00:00:00Z');
    expect(reversed.status).toBe(422);
    expect(reversed.body.errors[0].field).toBe('from');
  });
});
