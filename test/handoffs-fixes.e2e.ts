import { ImpliedFunnelMilestones1764006400000 } from '../migrations/1764006400000-ImpliedFunnelMilestones.js';
import { ManualClock } from '../src/common/clock.js';
import { apiKey, createRep, handoffFor, sendEvents, upsertLead } from './handoffs-helpers.js';
import { eventually, startTestApp, type TestApp } from './support/test-app.js';

/** Regression tests for the hand-off, lifecycle and scoring-explanation fixes on branch fix-handoffs. */
describe('hand-off and lifecycle regressions', () => {
  let t: TestApp;
  let salesKey: string;
  const clock = new ManualClock('2026-01-05T09:00:00Z');

  beforeAll(async () => {
    // The SLA watch stays idle (hourly): the API must not wait for it to show a missed deadline.
    t = await startTestApp({ clock, env: { OUTBOX_RELAY_MS: '50', SLA_SWEEP_MS: '3600000' } });
    await createRep(t, 'Anneleen');
    salesKey = await apiKey(t, 'Anneleen', 'sales');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the hand-off snapshot ranks tied reasons as GET /leads/{id}/score does', async () => {
    const leadId = await upsertLead(t, 'ties@x.example.be');
    // Eight page views at one instant: equal points, equal decay, so only the tie-break orders them.
    const at = new Date(clock.now().getTime() - 3_600_000).toISOString();
    await sendEvents(t, Array.from({ length: 8 }, (_, i) => ({ leadId, type: 'page_viewed', occurredAt: at, properties: { url: `/p/${i}` } })));
    await sendEvents(t, [{ leadId, type: 'quote_requested', occurredAt: at }]);
    const h = await eventually(() => handoffFor(t, leadId));
    const view = (await t.api('get', `/api/v1/handoffs/${h.id}`, salesKey)).body;
    const score = (await t.api('get', `/api/v1/leads/${leadId}/score`)).body;
    const key = (r: { eventId: string; description: string }) => `${r.eventId} ${r.description}`;
    expect(view.score.reasons.map(key)).toEqual(score.contributions.slice(0, view.score.reasons.length).map(key));
  });

  it('a subscriber moved on to lead and promoted by the MQL rule in one upsert records the promotion from lead', async () => {
    const created = await t.api('post', '/api/v1/leads').send({ email: 'sub@x.example.be', stage: 'subscriber' });
    const leadId = created.body.id;
    // Engagement well over the threshold; the two BANT answers arrive with the upsert that makes it a lead.
    await t.db.query(`UPDATE leads SET engagement_score = 80, engagement_as_of = $2 WHERE id = $1`, [leadId, clock.now()]);
    const res = await t.api('post', '/api/v1/leads').send({ email: 'sub@x.example.be', stage: 'lead', qualification: { need: 'crm', budget: '10k' } });
    expect(res.body.stage).toBe('mql');
    const changes = await t.db.query(`SELECT from_stage, to_stage FROM stage_changes WHERE lead_id = $1 ORDER BY id`, [leadId]);
    expect(changes).toEqual([
      { from_stage: 'subscriber', to_stage: 'lead' },
      { from_stage: 'lead', to_stage: 'mql' },
    ]);
    const [mql] = await t.db.query(`SELECT payload FROM outbox_events WHERE lead_id = $1 AND type = 'lead.mql'`, [leadId]);
    expect(mql.payload).toMatchObject({ from: 'lead', to: 'mql', reason: 'mql_rule' });
  });

  it('lists two stage changes of one instant in the order they were made, also when their ids cross a power of ten', async () => {
    const created = await t.api('post', '/api/v1/leads').send({ email: 'order@x.example.be', stage: 'subscriber' });
    const leadId = created.body.id;
    const [{ next }] = await t.db.query(`SELECT coalesce(max(id), 0) + 1 AS next FROM stage_changes`);
    // The next two ids are 99 and 100 (or 9 and 10, …): as text, "100" sorts before "99".
    const restart = 10 ** String(Number(next) + 1).length - 1;
    await t.db.query(`ALTER TABLE stage_changes ALTER COLUMN id RESTART WITH ${restart}`);
    await t.db.query(`UPDATE leads SET engagement_score = 80, engagement_as_of = $2 WHERE id = $1`, [leadId, clock.now()]);
    await t.api('post', '/api/v1/leads').send({ email: 'order@x.example.be', stage: 'lead', qualification: { need: 'crm', budget: '10k' } }).expect(200);
    const moves = (page: { items: { kind: string; data: { to?: string } }[] }) => page.items.filter((i) => i.kind === 'stage_change').map((i) => i.data.to);
    expect(moves((await t.api('get', `/api/v1/leads/${leadId}/timeline`)).body)).toEqual(['lead', 'mql']);
    // Paged one item at a time, the cursor follows the same order.
    const paged: { kind: string; data: { to?: string } }[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: typeof paged; nextCursor: string | null } = (await t.api('get', `/api/v1/leads/${leadId}/timeline?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)).body;
      paged.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(moves({ items: paged })).toEqual(['lead', 'mql']);
    // The hand-off's recent timeline agrees.
    const h = await eventually(() => handoffFor(t, leadId));
    const view = (await t.api('get', `/api/v1/handoffs/${h.id}`, salesKey)).body;
    expect(moves({ items: view.timeline })).toEqual(['lead', 'mql']);
  });

  it('lists a pending hand-off as breached once its deadline passes, before the SLA watch has flagged it', async () => {
    clock.set('2026-01-07T10:00:00Z'); // Wednesday 11:00 in Brussels
    const leadId = await upsertLead(t, 'late@x.example.be');
    await sendEvents(t, [{ leadId, type: 'quote_requested' }]);
    const h = await eventually(() => handoffFor(t, leadId));
    const breachedIds = async () =>
      ((await t.api('get', '/api/v1/handoffs?status=breached', salesKey)).body.items as { id: string }[]).map((i) => i.id);
    expect(await breachedIds()).not.toContain(h.id);
    expect((await t.api('get', `/api/v1/handoffs/${h.id}`, salesKey)).body).toMatchObject({ slaBreached: false, breachedAt: null });

    clock.advance(16 * 60_000); // past the 15 office minutes of a high-intent hand-off
    expect(await breachedIds()).toContain(h.id);
    expect((await t.api('get', `/api/v1/handoffs/${h.id}`, salesKey)).body).toMatchObject({ status: 'pending', slaBreached: true, breachedAt: null });
    expect((await handoffFor(t, leadId))!.breached_at).toBeNull(); // not flagged (nor announced) by the watch yet

    await t.api('post', `/api/v1/handoffs/${h.id}/accept`, salesKey).send({}).expect(200);
    expect(await breachedIds()).not.toContain(h.id);
  });

  it("erasing a lead closes its pending hand-off (out of the queue and the SLA watch); sales can no longer answer, reassign or report on its hand-offs (410) and its stage stays", async () => {
    clock.set('2026-01-08T10:00:00Z'); // Thursday 11:00 in Brussels
    const waiting = await upsertLead(t, 'wacht@x.example.be');
    const working = await upsertLead(t, 'bezig@x.example.be');
    await sendEvents(t, [{ leadId: waiting, type: 'quote_requested' }, { leadId: working, type: 'quote_requested' }]);
    const pending = await eventually(() => handoffFor(t, waiting));
    const accepted = await eventually(() => handoffFor(t, working));
    await t.api('post', `/api/v1/handoffs/${accepted.id}/accept`, salesKey).send({}).expect(200);
    clock.advance(60_000);
    for (const leadId of [waiting, working]) await t.api('delete', `/api/v1/leads/${leadId}`).expect(204);
    const erasedAt = clock.now();

    const closed = (await t.api('get', `/api/v1/handoffs/${pending.id}`, salesKey)).body;
    // Closed by erasure, not answered by sales.
    expect(closed).toMatchObject({
      status: 'rejected',
      rejectReason: 'other',
      respondedBy: null,
      respondedAt: null,
      closedBy: 'gdpr-erasure',
      closedAt: clock.now().toISOString(),
      closeReason: 'erased',
      lead: null,
    });
    const queue = (await t.api('get', '/api/v1/handoffs?status=pending', salesKey)).body.items.map((i: { id: string }) => i.id);
    expect(queue).not.toContain(pending.id);
    clock.advance(3_600_000); // long past its 15 office minutes: nothing to flag
    expect((await t.api('get', '/api/v1/handoffs?status=breached', salesKey)).body.items.map((i: { id: string }) => i.id)).not.toContain(pending.id);

    for (const [id, action, body] of [
      [pending.id, 'accept', {}],
      [accepted.id, 'outcome', { outcome: 'won', value: 5000 }],
      [accepted.id, 'reject', { reason: 'other' }],
      [accepted.id, 'reassign', {}],
    ] as const) {
      const res = await t.api('post', `/api/v1/handoffs/${id}/${action}`, salesKey).send(body);
      expect([action, res.status, res.headers['content-type']]).toEqual([action, 410, expect.stringMatching(/application\/problem\+json/)]);
    }
    expect((await t.api('get', `/api/v1/leads/${working}`)).body.stage).toBe('sql');
    expect((await t.api('get', `/api/v1/leads/${waiting}`)).body.stage).toBe('mql');
    expect((await t.db.query(`SELECT count(*)::int AS n FROM stage_changes WHERE lead_id = ANY($1::uuid[]) AND changed_at >= $2`, [[waiting, working], erasedAt]))[0].n).toBe(0);
  });

  it('a deal won straight after acceptance counts as an opportunity in the funnel (no more wins than opportunities), also for leads won before', async () => {
    clock.set('2026-01-12T10:00:00Z'); // Monday 11:00 in Brussels
    const leadId = await upsertLead(t, 'snel@won.example.be', { source: { channel: 'snelle_deal' } });
    await sendEvents(t, [{ leadId, type: 'quote_requested' }]);
    const h = await eventually(() => handoffFor(t, leadId));
    await t.api('post', `/api/v1/handoffs/${h.id}/accept`, salesKey).send({}).expect(200);
    clock.advance(3_600_000);
    await t.api('post', `/api/v1/handoffs/${h.id}/outcome`, salesKey).send({ outcome: 'won', value: 900 }).expect(200);
    const [milestones] = await t.db.query(`SELECT opportunity_at, customer_at FROM leads WHERE id = $1`, [leadId]);
    expect(milestones.opportunity_at).toEqual(milestones.customer_at);
    const funnel = async (channel: string) =>
      (await t.api('get', '/api/v1/analytics/funnel?from=2025-01-01T00:00:00Z&groupBy=channel')).body.groups.find((g: { key: string }) => g.key === channel);
    expect(await funnel('snelle_deal')).toMatchObject({ mql: 1, sql: 1, opportunity: 1, won: 1, rates: { sqlToOpportunity: 1, sqlToWon: 1 } });

    // A lead won (and one accepted without a promotion) before this was recorded: the migration fills in what they passed.
    const [old] = await t.db.query(
      `INSERT INTO leads (email, email_normalized, stage, channel, created_at, updated_at, sql_at, customer_at)
       VALUES ('oud@won.example.be', 'oud@won.example.be', 'customer', 'oude_deal', $1, $1, $1, $2) RETURNING id`,
      ['2026-01-02T10:00:00Z', '2026-01-03T10:00:00Z'],
    );
    expect(await funnel('oude_deal')).toMatchObject({ mql: 0, sql: 1, opportunity: 0, won: 1 });
    const runner = t.db.createQueryRunner();
    try {
      await new ImpliedFunnelMilestones1764006400000().up(runner);
    } finally {
      await runner.release();
    }
    const [filled] = await t.db.query(`SELECT mql_at, sql_at, opportunity_at FROM leads WHERE id = $1`, [old.id]);
    expect(filled).toEqual({ mql_at: new Date('2026-01-02T10:00:00Z'), sql_at: new Date('2026-01-02T10:00:00Z'), opportunity_at: new Date('2026-01-03T10:00:00Z') });
    expect(await funnel('oude_deal')).toMatchObject({ mql: 1, sql: 1, opportunity: 1, won: 1 });
  });
});
