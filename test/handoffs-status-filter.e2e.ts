import { ManualClock } from '../src/common/clock.js';
import { SlaBreachService } from '../src/handoffs/sla-breach.service.js';
import { apiKey, createRep, handoffFor, MINUTE, outboxDrained, sendEvents, subscribe, upsertLead } from './handoffs-helpers.js';
import { allPages } from './support/pages.js';
import { expectRefused } from './support/problems.js';
import { eventually, startTestApp, type TestApp } from './support/test-app.js';
import { WebhookReceiver } from './webhooks-receiver.js';

/**
 * GET /handoffs?status= as API.md lists it (pending, accepted, rejected, breached) and as the statuses grew since
 * (opportunity, won, lost, expired): `accepted` keeps every hand-off sales accepted after they report an outcome,
 * each hand-off tells its outcome apart from its status, and `breached` is sales' queue of overdue ones. And
 * GET /handoffs?outcome=: by the outcome reported (or `none`), with the status: accepted with nothing reported yet is
 * `status=accepted&outcome=none`, the open pipeline (opportunities too) `status=accepted&outcome=none,opportunity`.
 */
describe('the sales queue by status (GET /handoffs?status=)', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  let sales: string;
  let bruno: string;
  const clock = new ManualClock('2026-01-05T09:00:00Z'); // Monday 10:00 in Brussels, office open
  /** Hand-off ids by what happened to them. */
  const h: Record<string, string> = {};

  /** A lead who asks for a quote: a high-intent hand-off, due in 15 office minutes. */
  async function quote(name: string): Promise<string> {
    const leadId = await upsertLead(t, `${name}@status.example.be`);
    await sendEvents(t, [{ leadId, type: 'quote_requested' }]);
    return (await eventually(() => handoffFor(t, leadId))).id;
  }
  const answer = (id: string, action: string, body: object = {}) => t.api('post', `/api/v1/handoffs/${id}/${action}`, sales).send(body).expect(200);

  beforeAll(async () => {
    // The SLA watch stays idle (hourly): the test flags missed deadlines itself.
    t = await startTestApp({ clock, env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', OUTBOX_RELAY_MS: '50', WEBHOOK_SWEEP_MS: '100', SLA_SWEEP_MS: '3600000' } });
    receiver = await WebhookReceiver.start();
    await subscribe(t, receiver.url(), ['handoff.created', 'handoff.reassigned']);
    await createRep(t, 'Anneleen');
    bruno = await createRep(t, 'Bruno');
    sales = await apiKey(t, 'Anneleen', 'sales');

    for (const name of ['accepted', 'opportunity', 'wonAtOnce', 'wonLater', 'lost', 'rejected', 'expired', 'flagged', 'answeredLate', 'reassigned']) h[name] = await quote(name);
    await answer(h.accepted, 'accept');
    await answer(h.opportunity, 'accept');
    await answer(h.opportunity, 'outcome', { outcome: 'opportunity', value: 4000 });
    await answer(h.wonAtOnce, 'accept');
    await answer(h.wonAtOnce, 'outcome', { outcome: 'won', value: 2500, currency: 'EUR' });
    await answer(h.wonLater, 'accept');
    await answer(h.wonLater, 'outcome', { outcome: 'opportunity' });
    await answer(h.wonLater, 'outcome', { outcome: 'won', value: 9000 });
    await answer(h.lost, 'accept');
    await answer(h.lost, 'outcome', { outcome: 'lost' });
    await answer(h.rejected, 'reject', { reason: 'no_budget' });
    // Closed as the went-cold sweep leaves it (mql-went-cold.e2e.ts runs the sweep itself).
    await t.db.query(`UPDATE handoffs SET status = 'expired', closed_at = $2, close_reason = 'went_cold' WHERE id = $1`, [h.expired, clock.now()]);

    clock.advance(5 * MINUTE);
    h.overdue = await quote('overdue'); // due at 09:20

    clock.set('2026-01-05T09:16:00Z'); // past the first ones' deadline (09:15), before the overdue one's
    expect(await t.app.get(SlaBreachService).flagMissed()).toBe(3); // flagged, answeredLate, reassigned
    await answer(h.answeredLate, 'accept');
    await answer(h.reassigned, 'reassign'); // to the other rep, with a fresh deadline: 09:31

    clock.set('2026-01-05T09:21:00Z'); // the overdue one is past its deadline, and not flagged by the watch
    h.fresh = await quote('fresh'); // due at 09:36
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  /** The ids listed with `query`, over every page, sorted (to compare as sets). */
  async function listed(query: string, limit = 500): Promise<string[]> {
    const { items } = await allPages<{ id: string }>(t, `/api/v1/handoffs?${query}`, limit);
    return items.map((i) => i.id).sort();
  }
  const ids = (...names: string[]) => names.map((n) => h[n]).sort();

  it('lists under accepted every hand-off sales accepted, also those won, lost or an opportunity since; each outcome on its own exactly', async () => {
    expect(await listed('status=accepted')).toEqual(ids('accepted', 'opportunity', 'wonAtOnce', 'wonLater', 'lost', 'answeredLate'));
    // Across pages, by creation and by deadline: the cursor reads on within the filter.
    expect(await listed('status=accepted&sort=createdAt', 2)).toEqual(ids('accepted', 'opportunity', 'wonAtOnce', 'wonLater', 'lost', 'answeredLate'));
    expect(await listed('status=accepted&sort=-slaDueAt', 4)).toEqual(ids('accepted', 'opportunity', 'wonAtOnce', 'wonLater', 'lost', 'answeredLate'));
    expect(await listed('status=opportunity')).toEqual(ids('opportunity'));
    expect(await listed('status=won')).toEqual(ids('wonAtOnce', 'wonLater'));
    expect(await listed('status=lost')).toEqual(ids('lost'));
    expect(await listed('status=rejected')).toEqual(ids('rejected'));
    expect(await listed('status=expired')).toEqual(ids('expired'));
    expect(await listed('status=pending')).toEqual(ids('flagged', 'overdue', 'reassigned', 'fresh'));
    // With an owner: Bruno's share of them (round robin gave him about half).
    const { items } = await allPages<{ id: string; ownerId: string }>(t, '/api/v1/handoffs?status=accepted', 500);
    const brunos = items.filter((i) => i.ownerId === bruno).map((i) => i.id).sort();
    expect(brunos.length).toBeGreaterThan(0);
    expect(brunos.length).toBeLessThan(items.length);
    expect(await listed(`status=accepted&ownerId=${bruno}`)).toEqual(brunos);
  });

  it('tells the outcome apart from the status: a won hand-off listed as accepted still reads status won, outcome won, with its value', async () => {
    const { items } = await allPages<Record<string, unknown>>(t, '/api/v1/handoffs?status=accepted', 500);
    const byId = new Map(items.map((i) => [i.id, i]));
    expect(byId.get(h.wonAtOnce)).toMatchObject({ status: 'won', outcome: 'won', outcomeAt: '2026-01-05T09:00:00.000Z', value: 2500, currency: 'EUR' });
    expect(byId.get(h.wonLater)).toMatchObject({ status: 'won', outcome: 'won', value: 9000 });
    expect(byId.get(h.opportunity)).toMatchObject({ status: 'opportunity', outcome: 'opportunity', value: 4000 });
    expect(byId.get(h.lost)).toMatchObject({ status: 'lost', outcome: 'lost', value: null });
    expect(byId.get(h.accepted)).toMatchObject({ status: 'accepted', outcome: null, outcomeAt: null });
    for (const name of ['fresh', 'rejected', 'expired']) {
      expect((await t.api('get', `/api/v1/handoffs/${h[name]}`, sales)).body).toMatchObject({ outcome: null, outcomeAt: null });
    }
  });

  it("lists under breached sales' overdue queue: pending past the deadline, flagged by the watch or not yet; not one answered late, given a fresh deadline, or not due", async () => {
    expect(await listed('status=breached')).toEqual(ids('flagged', 'overdue'));
    const { items } = await allPages<Record<string, unknown>>(t, '/api/v1/handoffs?status=breached', 500);
    const byId = new Map(items.map((i) => [i.id, i]));
    expect(byId.get(h.flagged)).toMatchObject({ status: 'pending', slaBreached: true, breachedAt: '2026-01-05T09:16:00.000Z' });
    expect(byId.get(h.overdue)).toMatchObject({ status: 'pending', slaBreached: true, breachedAt: null });
    // Answered late: out of the overdue queue, though its SLA stays missed.
    expect((await t.api('get', `/api/v1/handoffs/${h.answeredLate}`, sales)).body).toMatchObject({ status: 'accepted', slaBreached: true });
    expect((await t.api('get', `/api/v1/handoffs/${h.reassigned}`, sales)).body).toMatchObject({ status: 'pending', slaBreached: false, breachedAt: null, slaDueAt: '2026-01-05T09:31:00.000Z' });
    // Once the new owner's deadline passes too, it is overdue again.
    clock.set('2026-01-05T09:32:00Z');
    expect(await listed('status=breached')).toEqual(ids('flagged', 'overdue', 'reassigned'));
    clock.set('2026-01-05T09:21:00Z');
  });

  describe('by outcome (GET /handoffs?outcome=)', () => {
    const NO_OUTCOME = ['accepted', 'answeredLate', 'rejected', 'expired', 'flagged', 'overdue', 'reassigned', 'fresh'];

    it("lists by the outcome each hand-off's `outcome` field says: none reported yet, or the one reported", async () => {
      expect(await listed('outcome=none')).toEqual(ids(...NO_OUTCOME));
      expect(await listed('outcome=won')).toEqual(ids('wonAtOnce', 'wonLater'));
      expect(await listed('outcome=opportunity')).toEqual(ids('opportunity'));
      expect(await listed('outcome=lost')).toEqual(ids('lost'));
      const { items } = await allPages<{ id: string; outcome: string | null }>(t, '/api/v1/handoffs?outcome=none', 500);
      expect(new Set(items.map((i) => i.outcome))).toEqual(new Set([null]));
    });

    it('takes several outcomes, comma-separated, repeated, or both', async () => {
      expect(await listed('outcome=won,lost')).toEqual(ids('wonAtOnce', 'wonLater', 'lost'));
      expect(await listed('outcome=won&outcome=lost')).toEqual(ids('wonAtOnce', 'wonLater', 'lost'));
      expect(await listed('outcome=opportunity,won&outcome=lost')).toEqual(ids('opportunity', 'wonAtOnce', 'wonLater', 'lost'));
      expect(await listed('outcome=none,opportunity')).toEqual(ids(...NO_OUTCOME, 'opportunity'));
      expect(await listed('outcome=won,won')).toEqual(ids('wonAtOnce', 'wonLater'));
    });

    it("with status=accepted lists those awaiting a first outcome (none) and the open pipeline (none,opportunity), on every page and in either order", async () => {
      const pipeline = ids('accepted', 'answeredLate');
      expect(await listed('status=accepted&outcome=none')).toEqual(pipeline);
      expect(await listed('status=accepted&outcome=none&sort=createdAt', 1)).toEqual(pipeline);
      expect(await listed('outcome=none&status=accepted&sort=-slaDueAt', 1)).toEqual(pipeline);
      expect(await listed('status=accepted&outcome=none,opportunity')).toEqual(ids('accepted', 'answeredLate', 'opportunity'));
      expect(await listed('status=accepted&outcome=won,lost&sort=-createdAt', 2)).toEqual(ids('wonAtOnce', 'wonLater', 'lost'));
      // Each in its order, as the unfiltered list has them.
      for (const sort of ['slaDueAt', '-slaDueAt', 'createdAt', '-createdAt']) {
        const all = (await allPages<{ id: string }>(t, `/api/v1/handoffs?sort=${sort}`, 500)).items.map((i) => i.id);
        const inOrder = (await allPages<{ id: string }>(t, `/api/v1/handoffs?status=accepted&outcome=none,won&sort=${sort}`, 1)).items.map((i) => i.id);
        expect(inOrder).toEqual(all.filter((id) => ids('accepted', 'answeredLate', 'wonAtOnce', 'wonLater').includes(id)));
      }
    });

    it('combines with the owner, priority and the other statuses', async () => {
      // Bruno's share of each (round robin gave him some of them, not all).
      for (const query of ['status=accepted&outcome=none,won', 'outcome=none', 'status=accepted&outcome=none']) {
        const { items } = await allPages<{ id: string; ownerId: string }>(t, `/api/v1/handoffs?${query}`, 500);
        const brunos = items.filter((i) => i.ownerId === bruno).map((i) => i.id).sort();
        if (query !== 'status=accepted&outcome=none') expect([query, brunos.length > 0, brunos.length < items.length]).toEqual([query, true, true]);
        expect(await listed(`${query}&ownerId=${bruno}`)).toEqual(brunos);
      }
      expect(await listed('status=accepted&outcome=won&priority=high')).toEqual(ids('wonAtOnce', 'wonLater'));
      expect(await listed('status=accepted&outcome=won&priority=low')).toEqual([]);
      expect(await listed('status=breached&outcome=none')).toEqual(ids('flagged', 'overdue'));
      expect(await listed('status=pending&outcome=won,lost,opportunity')).toEqual([]);
      expect(await listed('status=won&outcome=won,lost')).toEqual(ids('wonAtOnce', 'wonLater'));
      expect(await listed(`leadId=${(await t.api('get', `/api/v1/handoffs/${h.lost}`, sales)).body.leadId}&outcome=lost`)).toEqual(ids('lost'));
    });

    it('refuses an outcome it does not know, an empty one, or a status in its place, naming outcome and the values it takes (problem+json)', async () => {
      const refused = async (query: string) => {
        const res = await t.api('get', `/api/v1/handoffs?${query}`, sales);
        expectRefused(res, ['outcome']);
        expect([query, res.body.errors[0].message]).toEqual([query, expect.stringContaining('none, opportunity, won, lost')]);
      };
      for (const outcome of ['Won', 'pending', 'accepted', 'closed', '', 'won,', ',won', 'won,,lost', 'won;lost', 'won, lost', 'null']) {
        await refused(`outcome=${encodeURIComponent(outcome)}`);
      }
      await refused('outcome=won&outcome=nope');
      await refused('status=accepted&outcome=none&outcome=');
      expectRefused(await t.api('get', '/api/v1/handoffs?outcome[]=won', sales), ['outcome[]']);
      expectRefused(await t.api('get', '/api/v1/handoffs?outcomes=won', sales), ['outcomes']);
    });

    it('is described in the served OpenAPI document, with its values', async () => {
      const doc = (await t.http().get('/docs-json')).body;
      const param = doc.paths['/api/v1/handoffs'].get.parameters.find((p: { name: string }) => p.name === 'outcome');
      expect(param).toMatchObject({ in: 'query', required: false, schema: { type: 'array', items: { type: 'string', enum: ['none', 'opportunity', 'won', 'lost'] } } });
      expect(param.description).toContain('status=accepted&outcome=none');
    });
  });

  it('sends the outcome with the hand-off in webhooks too: none on handoff.created, the opportunity on handoff.reassigned', async () => {
    await answer(h.opportunity, 'reassign');
    await eventually(async () => (await outboxDrained(t)) && receiver.accepted('handoff.reassigned').some((r) => r.body.data.id === h.opportunity));
    const created = receiver.accepted('handoff.created').find((r) => r.body.data.id === h.fresh);
    expect(created?.body.data).toMatchObject({ status: 'pending', outcome: null });
    const reassigned = receiver.accepted('handoff.reassigned').find((r) => r.body.data.id === h.opportunity);
    expect(reassigned?.body.data).toMatchObject({ status: 'opportunity', outcome: 'opportunity', value: 4000, reassignment: { previousOwnerId: expect.any(String) } });
  });

  it('refuses a status the queue does not know, naming the field', async () => {
    for (const status of ['lost_interest', 'Accepted', 'overdue', 'pending,accepted', '']) {
      expectRefused(await t.api('get', `/api/v1/handoffs?status=${encodeURIComponent(status)}`, sales), ['status']);
    }
    expectRefused(await t.api('get', '/api/v1/handoffs?status=pending&status=accepted', sales), ['status']);
  });
});
