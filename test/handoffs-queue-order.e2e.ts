import { ManualClock } from '../src/common/clock.js';
import { handoffListSql } from '../src/handoffs/handoffs.service.js';
import { createRep, handoffFor, MINUTE, upsertLead } from './handoffs-helpers.js';
import { allPages } from './support/pages.js';
import { expectRefused } from './support/problems.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { useTestDatabase } from './support/test-database.js';

describe("the sales queue's order (GET /handoffs?sort=)", () => {
  let t: TestApp;
  const clock = new ManualClock('2026-01-05T09:00:00Z'); // Monday 10:00 in Brussels
  /** Hand-off ids by name, in the order they were made. */
  const made: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestApp({ clock, env: { OUTBOX_RELAY_MS: '50', SLA_SWEEP_MS: '3600000' } });
    await createRep(t, 'Anneleen');
    // Two one-day (medium) hand-offs, then a 15-minute quote (high), then a three-day one (low), a minute apart.
    for (const [name, priority, dueInMinutes] of [
      ['gids', 'medium', 24 * 60],
      ['webinar', 'medium', 24 * 60],
      ['offerte', 'high', 15],
      ['nieuwsbrief', 'low', 3 * 24 * 60],
    ] as const) {
      const leadId = await upsertLead(t, `${name}@klant.example.be`);
      await t.db.query(
        `INSERT INTO handoffs (lead_id, priority, reason, outbox_event_id, snapshot, sla_due_at, created_at, updated_at)
         VALUES ($1, $2, 'test', gen_random_uuid(), '{}', $3, $4, $4)`,
        [leadId, priority, new Date(clock.now().getTime() + dueInMinutes * MINUTE), clock.now()],
      );
      made[name] = (await handoffFor(t, leadId))!.id;
      clock.advance(MINUTE);
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Every page of the list with `query`, `limit` items at a time: the ids in order, and how many pages. */
  async function pagedIds(query: string, limit: number): Promise<{ ids: string[]; pages: number }> {
    const { items, pages } = await allPages<{ id: string }>(t, `/api/v1/handoffs?${query}`, limit);
    return { ids: items.map((i) => i.id), pages };
  }

  it('lists the most urgent first by default: the 15-minute quote before older one-day hand-offs, across pages', async () => {
    const first = await t.api('get', '/api/v1/handoffs?status=pending');
    expect(first.body.items.map((i: { id: string }) => i.id)).toEqual([made.offerte, made.gids, made.webinar, made.nieuwsbrief]);
    expect(await pagedIds('status=pending', 1)).toEqual({ ids: [made.offerte, made.gids, made.webinar, made.nieuwsbrief], pages: 4 });
    expect((await pagedIds('sort=-slaDueAt', 3)).ids).toEqual([made.nieuwsbrief, made.webinar, made.gids, made.offerte]);
  });

  it('lists by creation, oldest or newest first, across pages; a cursor keeps its order', async () => {
    expect(await pagedIds('sort=createdAt', 3)).toEqual({ ids: [made.gids, made.webinar, made.offerte, made.nieuwsbrief], pages: 2 });
    expect((await pagedIds('sort=-createdAt', 1)).ids).toEqual([made.nieuwsbrief, made.offerte, made.webinar, made.gids]);
    // The next page without `sort` reads on in the cursor's order.
    const page1 = await t.api('get', '/api/v1/handoffs?sort=-createdAt&limit=2');
    const page2 = await t.api('get', `/api/v1/handoffs?limit=2&cursor=${page1.body.nextCursor}`);
    expect(page2.body.items.map((i: { id: string }) => i.id)).toEqual([made.webinar, made.gids]);
  });

  it('refuses an unknown order, and a cursor of another order, naming the field', async () => {
    expectRefused(await t.api('get', '/api/v1/handoffs?sort=priority'), ['sort']);
    const page1 = await t.api('get', '/api/v1/handoffs?limit=1');
    const mixed = await t.api('get', `/api/v1/handoffs?sort=createdAt&cursor=${page1.body.nextCursor}`);
    expectRefused(mixed, ['cursor']);
    expect(mixed.body.errors[0].message).toContain('sort=slaDueAt');
    const madeUp = Buffer.from(JSON.stringify(['priority', '2026-01-05T09:00:00.000Z', made.gids])).toString('base64url');
    expectRefused(await t.api('get', `/api/v1/handoffs?cursor=${madeUp}`), ['cursor']);
  });

  it('still takes the filters with an order (a breached quote first in the breached list)', async () => {
    clock.set('2026-01-05T09:30:00Z');
    const breached = await t.api('get', '/api/v1/handoffs?status=breached&sort=slaDueAt');
    expect(breached.body.items.map((i: { id: string }) => i.id)).toEqual([made.offerte]);
    const medium = await t.api('get', '/api/v1/handoffs?priority=medium&sort=-createdAt');
    expect(medium.body.items.map((i: { id: string }) => i.id)).toEqual([made.webinar, made.gids]);
  });
});

describe("the sales queue's indexes", () => {
  const t = useTestDatabase();
  let rep: string;

  beforeAll(async () => {
    [{ id: rep }] = (await t.db.query(`INSERT INTO sales_reps (name, email, email_normalized, created_at, updated_at) VALUES ('R', 'r@x.be', 'r@x.be', now(), now()) RETURNING id`)).rows;
    await t.db.query(`INSERT INTO sales_reps (name, email, email_normalized, created_at, updated_at) SELECT 'R' || i, 'r' || i || '@x.be', 'r' || i || '@x.be', now(), now() FROM generate_series(1, 20) i`);
    await t.db.query(`INSERT INTO leads (email, email_normalized) SELECT 'l' || i || '@example.be', 'l' || i || '@example.be' FROM generate_series(1, 60000) i`);
    // 60,000 hand-offs over two years, spread over 21 reps: 2% of them still pending, 2% accepted and awaiting an
    // outcome, the others closed (won, lost or rejected).
    await t.db.query(
      `WITH r AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM sales_reps), l AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM leads)
       INSERT INTO handoffs (lead_id, status, priority, reason, outbox_event_id, snapshot, owner_id, sla_due_at, created_at, updated_at)
       SELECT l.id, CASE l.n % 50 WHEN 0 THEN 'pending' WHEN 1 THEN 'accepted' ELSE (ARRAY['won', 'lost', 'rejected'])[1 + l.n % 3] END, 'medium', 'test', gen_random_uuid(), '{}', r.id,
              now() - (60000 - l.n) * interval '15 minutes' + interval '1 day', now() - (60000 - l.n) * interval '15 minutes', now()
         FROM l JOIN r ON r.k = l.n % 21`,
    );
    await t.db.query(`VACUUM ANALYZE handoffs`);
  }, 120_000);

  interface PlanNode {
    'Node Type': string;
    'Index Name'?: string;
    'Relation Name'?: string;
    Plans?: PlanNode[];
  }
  const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];
  async function handoffScans(q: Record<string, unknown>): Promise<string[]> {
    const { sql, values } = handoffListSql(q, new Date());
    const [{ 'QUERY PLAN': plan }] = (await t.db.query(`EXPLAIN (FORMAT JSON) ${sql}`, values)).rows;
    return nodes(plan[0].Plan)
      .filter((n) => n['Relation Name'] === 'handoffs' || n['Index Name']?.startsWith('handoffs_'))
      .map((n) => `${n['Node Type']} ${n['Index Name'] ?? ''}`.trim());
  }

  it("reads the team's and a rep's pending queue, most urgent first, from the pending hand-offs' indexes", async () => {
    expect(await handoffScans({ status: 'pending' })).toEqual(['Index Scan handoffs_pending_due']);
    expect(await handoffScans({ status: 'breached' })).toEqual(['Index Scan handoffs_pending_due']);
    expect(await handoffScans({ status: 'pending', ownerId: rep })).toEqual(['Index Scan handoffs_owner_pending_due']);
    expect(await handoffScans({})).toEqual(['Index Scan handoffs_due']);
    expect(await handoffScans({ sort: '-createdAt' })).toEqual(['Index Scan handoffs_created']);
  });

  it("reads a rep's accepted hand-offs awaiting an outcome, and the open pipeline with opportunities, from the open hand-offs' index, not by walking every hand-off", async () => {
    for (const outcome of [['none'], ['none', 'opportunity']] as const) {
      for (const sort of ['slaDueAt', 'createdAt']) {
        const scans = await handoffScans({ status: 'accepted', outcome, ownerId: rep, sort });
        expect([outcome, sort, scans]).toEqual([outcome, sort, expect.arrayContaining([expect.stringContaining('handoffs_one_open_per_lead')])]);
      }
    }
  });
});
