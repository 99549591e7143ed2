import { MAX_WEBHOOK_RETRIES } from '../src/webhooks/domain/index.js';
import { WebhookLogRetention } from '../src/webhooks/webhook-log-retention.js';
import { createRep, HOUR, sendEvents, subscribe, upsertLead } from './handoffs-helpers.js';
import { eventually, startTestApp, type TestApp } from './support/test-app.js';
import { verifyWebhook, webhookWorld } from './webhooks-receiver.js';

describe('signed webhooks', () => {
  const world = webhookWorld('2026-01-05T09:00:00Z');
  const { clock, receiver, deliveriesOf } = world;
  let t: TestApp;
  beforeAll(() => {
    t = world.app();
  });

  it('shows the signing secret once at creation; reading never does, and the database keeps it encrypted', async () => {
    const r = await receiver();
    const created = await t.api('post', '/api/v1/webhooks').send({ url: r.url(), events: ['lead.mql', 'handoff.created'], description: 'Pipedrive' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ url: r.url(), events: ['lead.mql', 'handoff.created'], description: 'Pipedrive', active: true });
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);

    const one = await t.api('get', `/api/v1/webhooks/${created.body.id}`);
    const list = await t.api('get', '/api/v1/webhooks');
    expect(one.body).not.toHaveProperty('secret');
    expect(list.body.items.find((w: { id: string }) => w.id === created.body.id)).not.toHaveProperty('secret');
    const [stored] = await t.db.query(`SELECT secret_encrypted FROM webhook_subscriptions WHERE id = $1`, [created.body.id]);
    expect(stored.secret_encrypted).not.toContain(created.body.secret.slice(6, 20));
  });

  it('delivers {type, timestamp, data} signed per Standard Webhooks, and only the event types subscribed to', async () => {
    const r = await receiver();
    const hook = await subscribe(t, r.url(), ['lead.mql']);
    await createRep(t, 'Anneleen');
    const leadId = await upsertLead(t, 'an@bakkerij.example.be');
    await sendEvents(t, [{ leadId, type: 'quote_requested' }]);
    const [mql] = await eventually(async () => (r.accepted().length ? r.accepted() : null));
    const verified = verifyWebhook(hook.secret, mql, clock.now()) as { type: string; timestamp: string; data: Record<string, unknown> };
    expect(verified).toEqual({
      type: 'lead.mql',
      timestamp: clock.now().toISOString(),
      data: expect.objectContaining({ leadId, from: 'lead', to: 'mql', reason: 'high_intent_event' }),
    });
    const [delivery] = await deliveriesOf(hook.id);
    expect(mql.id).toBe(delivery.id);
    // lead.created, lead.stage_changed and handoff.created happened too, but were not asked for.
    await eventually(async () => (await t.db.query(`SELECT 1 FROM handoffs WHERE lead_id = $1`, [leadId])).length > 0);
    expect(r.received.map((x) => x.body.type)).toEqual(['lead.mql']);
    expect(() => verifyWebhook('whsec_' + Buffer.alloc(32, 7).toString('base64'), mql, clock.now())).toThrow();
  });

  it('a receiver that is down gets the delivery once it is back, with the same webhook-id; the log shows every attempt', async () => {
    const r = await receiver();
    const hook = await subscribe(t, r.url(), ['lead.created']);
    r.status = 503;
    await upsertLead(t, 'bart@garage.example.be');
    const failed = await eventually(async () => (await deliveriesOf(hook.id)).find((d) => d.status === 'failed'));
    expect(failed.attempts).toBe(1);
    const wait = failed.next_attempt_at!.getTime() - clock.now().getTime();
    expect(wait).toBeGreaterThanOrEqual(24_000); // 30 s ± 20 %
    expect(wait).toBeLessThanOrEqual(36_000);

    r.status = 200;
    clock.advance(40_000);
    await eventually(async () => (await deliveriesOf(hook.id))[0].status === 'delivered');
    expect(r.received.map((x) => x.answered)).toEqual([503, 200]);
    expect(new Set(r.received.map((x) => x.id))).toEqual(new Set([failed.id]));
    expect(verifyWebhook(hook.secret, r.received[1], clock.now())).toMatchObject({ type: 'lead.created' });

    const log = await t.api('get', `/api/v1/webhooks/${hook.id}/deliveries`);
    expect(log.body.items).toEqual([
      expect.objectContaining({ id: failed.id, eventType: 'lead.created', status: 'delivered', attempts: 2, responseStatus: 200, error: null }),
    ]);
    expect(typeof log.body.items[0].latencyMs).toBe('number');
    const one = await t.api('get', `/api/v1/webhooks/${hook.id}/deliveries/${failed.id}`);
    expect(one.body.attemptLog.map((a: { responseStatus: number; error: string | null }) => [a.responseStatus, a.error])).toEqual([
      [503, 'HTTP 503'],
      [200, null],
    ]);
    expect(one.body.body).toMatchObject({ type: 'lead.created', data: expect.any(Object) });

    // Replay: the same message again, on request, as a delivery of its own.
    const replay = await t.api('post', `/api/v1/webhooks/${hook.id}/deliveries/${failed.id}/retry`);
    expect(replay.status).toBe(202);
    expect(replay.body).toMatchObject({ messageId: failed.id, replayOf: failed.id, status: 'pending', attempts: 0 });
    await eventually(async () => r.received.length === 3);
    expect(r.received[2].id).toBe(failed.id);
    expect(verifyWebhook(hook.secret, r.received[2], clock.now())).toMatchObject({ type: 'lead.created' });
    await eventually(async () => (await deliveriesOf(hook.id)).find((d) => d.id === replay.body.id)?.status === 'delivered');
    expect((await deliveriesOf(hook.id)).find((d) => d.id === failed.id)).toMatchObject({ status: 'delivered', attempts: 2 });
  });

  it('gives a delivery up after its retries (within three days), then disables a subscription that keeps failing; it holds what the outage touched until re-enabled', async () => {
    const r = await receiver();
    r.status = 500;
    const hook = await subscribe(t, r.url(), ['lead.created']);
    const firstFailure = clock.now().getTime();
    const first = await upsertLead(t, 'cor@dakwerken.example.be');
    let delivery = await eventually(async () => (await deliveriesOf(hook.id)).find((d) => d.attempts === 1 && d.status === 'failed'));
    while (delivery.status === 'failed') {
      const attempts = delivery.attempts;
      clock.set(new Date(delivery.next_attempt_at!.getTime() + 1));
      delivery = await eventually(async () => (await deliveriesOf(hook.id)).find((d) => d.attempts === attempts + 1 && d.status !== 'sending'));
    }
    expect(delivery).toMatchObject({ status: 'abandoned', attempts: 1 + MAX_WEBHOOK_RETRIES, next_attempt_at: null });
    expect(clock.now().getTime() - firstFailure).toBeLessThan(72 * HOUR);
    expect(r.received).toHaveLength(1 + MAX_WEBHOOK_RETRIES);
    expect(new Set(r.received.map((x) => x.id)).size).toBe(1);

    // Still failing three days after the first failure, without a success in between: the subscription is disabled.
    clock.set(new Date(firstFailure + 73 * HOUR));
    const second = await upsertLead(t, 'dirk@dakwerken.example.be');
    const disabled = await eventually(async () => {
      const res = await t.api('get', `/api/v1/webhooks/${hook.id}`);
      return res.body.active === false ? res.body : null;
    });
    expect(disabled).toMatchObject({ disabledReason: expect.stringMatching(/failed for 72 hours/), pausedAt: null });
    // Held, as while paused: the waiting delivery, and the one given up during the same outage.
    await eventually(async () => (await deliveriesOf(hook.id)).every((d) => d.status === 'held'));
    // An event while it is disabled is held too, not dropped.
    clock.advance(HOUR);
    const third = await upsertLead(t, 'els@dakwerken.example.be');
    await eventually(async () => (await deliveriesOf(hook.id)).length === 3);
    expect((await deliveriesOf(hook.id)).map((d) => [d.status, d.attempts, d.next_attempt_at])).toEqual([
      ['held', 1 + MAX_WEBHOOK_RETRIES, null],
      ['held', 1, null],
      ['held', 0, null],
    ]);
    const [, secondDelivery] = await deliveriesOf(hook.id);
    expect((await t.api('post', `/api/v1/webhooks/${hook.id}/deliveries/${secondDelivery.id}/retry`)).status).toBe(409);

    // A month later, past the log retention: nothing was attempted, given up or deleted meanwhile.
    clock.advance(31 * 24 * HOUR);
    await t.app.get(WebhookLogRetention).sweep(clock.now(), 1000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(r.received).toHaveLength(2 + MAX_WEBHOOK_RETRIES);
    expect((await deliveriesOf(hook.id)).map((d) => d.status)).toEqual(['held', 'held', 'held']);

    // Sales fixed their endpoint: re-enabling sends all three in the order of their events, each once, signed afresh.
    r.status = 200;
    const enabled = await t.api('patch', `/api/v1/webhooks/${hook.id}`).send({ active: true });
    expect(enabled.body).toMatchObject({ active: true, disabledAt: null, failingSince: null });
    await eventually(async () => (await deliveriesOf(hook.id)).every((d) => d.status === 'delivered'));
    expect(r.accepted().map((x) => x.body.data.leadId)).toEqual([first, second, third]);
    for (const x of r.accepted()) expect(verifyWebhook(hook.secret, x, clock.now())).toMatchObject({ type: 'lead.created' });
  });

  it('changes the description, clears it with null, and refuses null for what cannot be cleared', async () => {
    const r = await receiver();
    const hook = await subscribe(t, r.url(), ['lead.created']);
    const named = await t.api('patch', `/api/v1/webhooks/${hook.id}`).send({ description: 'Pipedrive intake' });
    expect(named.body).toMatchObject({ description: 'Pipedrive intake' });
    const kept = await t.api('patch', `/api/v1/webhooks/${hook.id}`).send({ events: ['lead.created', 'lead.mql'] });
    expect(kept.body).toMatchObject({ description: 'Pipedrive intake', events: ['lead.created', 'lead.mql'] });
    const cleared = await t.api('patch', `/api/v1/webhooks/${hook.id}`).send({ description: null });
    expect(cleared.status).toBe(200);
    expect(cleared.body.description).toBeNull();
    for (const field of ['url', 'events', 'active']) {
      const refused = await t.api('patch', `/api/v1/webhooks/${hook.id}`).send({ [field]: null });
      expect(refused.status).toBe(422);
      expect(refused.body.errors).toEqual([expect.objectContaining({ field })]);
    }
    expect((await t.api('get', `/api/v1/webhooks/${hook.id}`)).body).toMatchObject({ url: r.url(), events: ['lead.created', 'lead.mql'], active: true });
  });

  it('deletes a subscription: it, its log and its deliveries are gone for the API', async () => {
    const r = await receiver();
    const hook = await subscribe(t, r.url(), ['lead.created']);
    expect((await t.api('delete', `/api/v1/webhooks/${hook.id}`)).status).toBe(204);
    expect((await t.api('get', `/api/v1/webhooks/${hook.id}`)).status).toBe(404);
    expect((await t.api('get', `/api/v1/webhooks/${hook.id}/deliveries`)).status).toBe(404);
    expect((await t.api('delete', `/api/v1/webhooks/${hook.id}`)).status).toBe(404);
  });
});

describe('webhook URL policy (private networks not allowed)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ role: 'api' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it.each([
    ['a loopback address', 'http://127.0.0.1:8080/hook', /loopback/],
    ['localhost, which resolves to loopback', 'http://localhost/hook', /loopback/],
    ['the cloud metadata service', 'http://169.254.169.254/latest/meta-data', /link-local/],
    ['a private network', 'https://10.1.2.3/hook', /private/],
    ['another scheme', 'ftp://crm.example.com/hook', /http/],
    ['credentials in the URL', 'https://user:secret@crm.example.com/hook', /user name or password/],
  ])('refuses %s with 422 naming url', async (_label, url, reason) => {
    const res = await t.api('post', '/api/v1/webhooks').send({ url, events: ['handoff.created'] });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ field: 'url', message: expect.stringMatching(reason) }]);
  });

  it('refuses an event type it does not send, naming events', async () => {
    const res = await t.api('post', '/api/v1/webhooks').send({ url: 'https://93.184.215.14/hook', events: ['lead.exploded'] });
    expect(res.status).toBe(422);
    expect(res.body.errors[0].field).toBe('events');
  });

  it('lets only marketers and admins manage webhooks', async () => {
    const key = await t.api('post', '/api/v1/api-keys').send({ name: 'Sales', role: 'sales' });
    expect((await t.api('get', '/api/v1/webhooks', key.body.key)).status).toBe(403);
  });
});
