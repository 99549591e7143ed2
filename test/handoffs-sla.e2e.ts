import { ManualClock } from '../src/common/clock.js';
import { SlaBreachService } from '../src/handoffs/sla-breach.service.js';
import { apiKey, createRep, handoffFor, MINUTE, outboxDrained, sendEvents, subscribe, upsertLead } from './handoffs-helpers.js';
import { eventually, startTestApp, type TestApp } from './support/test-app.js';
import { verifyWebhook, WebhookReceiver } from './webhooks-receiver.js';

const ENV = { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', OUTBOX_RELAY_MS: '50', SLA_SWEEP_MS: '50', WEBHOOK_SWEEP_MS: '100' };

async function quote(t: TestApp, email: string) {
  const leadId = await upsertLead(t, email);
  await sendEvents(t, [{ leadId, type: 'quote_requested' }]);
  return eventually(() => handoffFor(t, leadId));
}

describe('SLA watch', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  let hook: { id: string; secret: string };
  const clock = new ManualClock('2026-01-05T09:00:00Z'); // Monday 10:00 in Brussels

  beforeAll(async () => {
    t = await startTestApp({ clock, env: { ...ENV, HOLIDAYS: '2026-01-06' } });
    receiver = await WebhookReceiver.start();
    hook = await subscribe(t, receiver.url(), ['handoff.sla_breached']);
    await createRep(t, 'Anneleen');
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it('flags a high-intent hand-off not answered within 15 office minutes exactly once, and announces it by webhook', async () => {
    const watch = t.app.get(SlaBreachService);
    const h = await quote(t, 'an@bakkerij.example.be');
    expect(h.sla_due_at.toISOString()).toBe('2026-01-05T09:15:00.000Z');

    clock.set('2026-01-05T09:14:00Z');
    expect(await watch.flagMissed()).toBe(0);
    expect((await handoffFor(t, h.lead_id))!.breached_at).toBeNull();

    clock.set('2026-01-05T09:16:00Z');
    const breached = await eventually(async () => {
      const row = await handoffFor(t, h.lead_id);
      return row?.breached_at ? row : undefined;
    });
    expect(breached).toMatchObject({ status: 'pending', breach_count: 1, owner_id: h.owner_id });
    const [announced] = await eventually(async () => (receiver.accepted('handoff.sla_breached').length ? receiver.accepted('handoff.sla_breached') : null));
    expect(verifyWebhook(hook.secret, announced, clock.now())).toMatchObject({
      type: 'handoff.sla_breached',
      data: { id: h.id, slaBreached: true, breach: { missedDeadline: '2026-01-05T09:15:00.000Z', reassigned: false } },
    });

    // Later sweeps find nothing more to flag or announce.
    clock.set('2026-01-05T10:30:00Z');
    expect(await watch.flagMissed()).toBe(0);
    await eventually(() => outboxDrained(t));
    expect(receiver.received.filter((r) => r.body.data.id === h.id)).toHaveLength(1);
    const [row] = await t.db.query(`SELECT breached_at, breach_count FROM handoffs WHERE id = $1`, [h.id]);
    expect(row).toEqual({ breached_at: new Date('2026-01-05T09:16:00Z'), breach_count: 1 });
  });

  it('lists breached hand-offs for sales, who can still answer them late', async () => {
    clock.set('2026-01-05T13:00:00Z');
    const h = await quote(t, 'jan@garage.example.be');
    clock.advance(20 * MINUTE);
    await eventually(async () => (await handoffFor(t, h.lead_id))?.breached_at);
    const sales = await apiKey(t, 'Anneleen', 'sales');
    const list = await t.api('get', '/api/v1/handoffs?status=breached', sales);
    expect(list.body.items.map((i: { id: string }) => i.id)).toContain(h.id);
    expect(list.body.items.every((i: { slaBreached: boolean; status: string }) => i.slaBreached && i.status === 'pending')).toBe(true);

    const accepted = await t.api('post', `/api/v1/handoffs/${h.id}/accept`, sales).send({});
    expect(accepted.body).toMatchObject({ status: 'accepted', slaBreached: true, breachedAt: '2026-01-05T13:20:00.000Z' });
    const after = await t.api('get', '/api/v1/handoffs?status=breached', sales);
    expect(after.body.items.map((i: { id: string }) => i.id)).not.toContain(h.id);
  });

  it('counts only office time: a quote on Monday 16:55 with Tuesday a holiday is due Wednesday 09:10', async () => {
    clock.set('2026-01-05T15:55:00Z'); // Monday 16:55 in Brussels
    const h = await quote(t, 'els@kapper.example.be');
    expect(h.sla_due_at.toISOString()).toBe('2026-01-07T08:10:00.000Z');
  });
});

describe('SLA watch with reassignment (SLA_REASSIGN=true)', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  const clock = new ManualClock('2026-01-05T09:00:00Z');

  beforeAll(async () => {
    t = await startTestApp({ clock, env: { ...ENV, SLA_REASSIGN: 'true' } });
    receiver = await WebhookReceiver.start();
    await subscribe(t, receiver.url(), ['handoff.sla_breached']);
    await createRep(t, 'Anneleen');
    await createRep(t, 'Bruno');
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it('gives a missed hand-off to the next rep with a fresh 15-minute deadline, and watches that one too', async () => {
    const h = await quote(t, 'karel@bouw.example.be');
    const first = h.owner_id!;
    clock.set('2026-01-05T09:16:00Z');
    const moved = await eventually(async () => {
      const row = await handoffFor(t, h.lead_id);
      return row && row.owner_id !== first ? row : undefined;
    });
    expect(moved).toMatchObject({ breached_at: null, breach_count: 1 });
    expect(moved.sla_due_at.toISOString()).toBe('2026-01-05T09:31:00.000Z');
    const [hook] = await eventually(async () => (receiver.accepted().length ? receiver.accepted() : null));
    expect(hook.body.data).toMatchObject({ id: h.id, ownerId: moved.owner_id, breach: { previousOwnerId: first, reassigned: true } });

    clock.set('2026-01-05T09:32:00Z');
    const again = await eventually(async () => {
      const row = await handoffFor(t, h.lead_id);
      return row && row.breach_count === 2 ? row : undefined;
    });
    expect(again.owner_id).toBe(first);
    await eventually(async () => receiver.accepted().length === 2);
  });

  it('with nobody else to take it, a missed hand-off stays with its rep and does not count as another turn of theirs', async () => {
    await t.db.query(`UPDATE sales_reps SET active = false WHERE name = 'Bruno'`);
    clock.set('2026-01-05T10:00:00Z');
    const h = await quote(t, 'solo@bouw.example.be');
    const turns = async () => (await t.db.query(`SELECT assigned FROM sales_reps WHERE id = $1`, [h.owner_id]))[0].assigned as number;
    const before = await turns();
    clock.set('2026-01-05T10:16:00Z');
    const breached = await eventually(async () => {
      const row = await handoffFor(t, h.lead_id);
      return row?.breached_at ? row : undefined;
    });
    expect(breached).toMatchObject({ owner_id: h.owner_id, breach_count: 1 });
    expect(await turns()).toBe(before);
    await t.db.query(`UPDATE sales_reps SET active = true WHERE name = 'Bruno'`);
  });
});

describe('reassigning a hand-off by hand', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  let hook: { id: string; secret: string };
  let sales: string;
  const reps: Record<string, string> = {};
  const clock = new ManualClock('2026-01-05T09:00:00Z'); // Monday 10:00 in Brussels

  beforeAll(async () => {
    t = await startTestApp({ clock, env: ENV });
    receiver = await WebhookReceiver.start();
    hook = await subscribe(t, receiver.url(), ['handoff.reassigned']);
    reps.anneleen = await createRep(t, 'Anneleen');
    reps.bruno = await createRep(t, 'Bruno');
    sales = await apiKey(t, 'Teamlead', 'sales');
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  const reassign = (id: string, body: object, key = sales) => t.api('post', `/api/v1/handoffs/${id}/reassign`, key).send(body);

  it('gives a missed hand-off to the rep asked for, with a fresh SLA deadline, and announces it once', async () => {
    const h = await quote(t, 'lien@atelier.example.be');
    const owner = h.owner_id!;
    const other = owner === reps.anneleen ? reps.bruno : reps.anneleen;
    clock.set('2026-01-05T09:16:00Z');
    // The worker's own breach watch runs in this app too and may hold the row (SKIP LOCKED): either flags it.
    await t.app.get(SlaBreachService).flagMissed();
    await eventually(async () => (await handoffFor(t, h.lead_id))!.breached_at !== null);

    const res = await reassign(h.id, { ownerId: other, note: 'Vandaag afwezig' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: h.id, ownerId: other, slaBreached: false, slaDueAt: '2026-01-05T09:31:00.000Z' });
    const [announced] = await eventually(async () => (receiver.accepted('handoff.reassigned').length ? receiver.accepted('handoff.reassigned') : null));
    expect(verifyWebhook(hook.secret, announced, clock.now())).toMatchObject({
      type: 'handoff.reassigned',
      data: { id: h.id, ownerId: other, reassignment: { previousOwnerId: owner, by: 'sales:Teamlead', note: 'Vandaag afwezig' } },
    });

    // Asking again for the same rep changes nothing and announces nothing.
    expect((await reassign(h.id, { ownerId: other })).body).toMatchObject({ ownerId: other, slaDueAt: '2026-01-05T09:31:00.000Z' });
    await eventually(() => outboxDrained(t));
    expect(receiver.accepted('handoff.reassigned')).toHaveLength(1);
  });

  it('keeps the deadline and breach flag of a hand-off already answered: the SLA was on the answer', async () => {
    const h = await quote(t, 'els@drukkerij.example.be');
    clock.advance(20 * MINUTE);
    await t.app.get(SlaBreachService).flagMissed();
    await eventually(async () => (await handoffFor(t, h.lead_id))!.breached_at !== null);
    expect((await t.api('post', `/api/v1/handoffs/${h.id}/accept`, sales).send({})).status).toBe(200);
    const before = (await handoffFor(t, h.lead_id))!;
    const res = await reassign(h.id, {});
    expect(res.status).toBe(200);
    expect(res.body.ownerId).not.toBe(h.owner_id);
    const after = (await handoffFor(t, h.lead_id))!;
    expect(after.sla_due_at).toEqual(before.sla_due_at);
    expect(after.breached_at).toEqual(before.breached_at);
    expect(after.breached_at).not.toBeNull();
  });

  it('without a rep named, takes the next by round robin other than the owner; refuses unknown reps, closed hand-offs and other roles', async () => {
    const h = await quote(t, 'tom@garage.example.be');
    const res = await reassign(h.id, {});
    expect(res.status).toBe(200);
    expect(res.body.ownerId).not.toBe(h.owner_id);
    expect([reps.anneleen, reps.bruno]).toContain(res.body.ownerId);

    for (const ownerId of ['00000000-0000-4000-8000-000000000000', 'bruno']) {
      const bad = await reassign(h.id, { ownerId });
      expect(bad.status).toBe(422);
      expect(bad.headers['content-type']).toContain('application/problem+json');
      expect(bad.body.errors[0].field).toBe('ownerId');
    }
    expect((await t.api('post', `/api/v1/handoffs/${h.id}/reassign`, await apiKey(t, 'Marketing', 'marketer')).send({})).status).toBe(403);
    expect((await reassign('00000000-0000-4000-8000-000000000000', {})).status).toBe(404);

    expect((await t.api('post', `/api/v1/handoffs/${h.id}/reject`, sales).send({ reason: 'not_now' })).status).toBe(200);
    const closed = await reassign(h.id, {});
    expect(closed.status).toBe(409);
    expect((await handoffFor(t, h.lead_id))!.owner_id).toBe(res.body.ownerId);
  });
});
