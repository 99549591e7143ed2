import { MAX_WEBHOOK_RETRIES } from '../src/webhooks/domain/index.js';
import { subscribe, upsertLead } from './handoffs-helpers.js';
import { eventually, type TestApp } from './support/test-app.js';
import { verifyWebhook, webhookWorld, type DeliveryRow } from './webhooks-receiver.js';

/**
 * Replay (POST /api/v1/webhooks/{id}/deliveries/{deliveryId}/retry): a new delivery of the same message, with its
 * own attempts and log, that follows the usual retry schedule while the receiver still fails.
 */
describe('webhook replay', () => {
  // The receiver below fails for days; the subscription must not be disabled meanwhile.
  const world = webhookWorld('2026-03-02T09:00:00Z', { WEBHOOK_DISABLE_AFTER_HOURS: '8760' });
  const { clock, receiver, deliveriesOf } = world;
  let t: TestApp;
  let leads = 0;
  beforeAll(() => {
    t = world.app();
  });

  const deliveryRow = async (id: string): Promise<DeliveryRow> => (await t.db.query(`SELECT * FROM webhook_deliveries WHERE id = $1`, [id]))[0];
  const newLead = () => upsertLead(t, `replay-${++leads}@schrijnwerk.example.be`);
  const replay = (hookId: string, deliveryId: string, key?: string) => {
    const req = t.api('post', `/api/v1/webhooks/${hookId}/deliveries/${deliveryId}/retry`);
    return key ? req.set('idempotency-key', key) : req;
  };

  it('a delivery given up after three days, replayed, is retried on the schedule until the receiver takes it, with a log of its own', async () => {
    const r = await receiver();
    r.status = 500;
    const hook = await subscribe(t, r.url(), ['lead.created']);
    await newLead();
    let original = await eventually(async () => (await deliveriesOf(hook.id)).find((d) => d.attempts === 1 && d.status === 'failed'));
    while (original.status === 'failed') {
      const attempts = original.attempts;
      clock.set(new Date(original.next_attempt_at!.getTime() + 1));
      original = await eventually(async () => (await deliveriesOf(hook.id)).find((d) => d.attempts === attempts + 1 && d.status !== 'sending'));
    }
    expect(original).toMatchObject({ status: 'abandoned', attempts: 1 + MAX_WEBHOOK_RETRIES });

    // Sales say their endpoint is fixed; it still fails now and then.
    r.status = 503;
    const before = r.received.length;
    const res = await replay(hook.id, original.id, 'replay-abandoned-1');
    expect(res.status).toBe(202);
    expect(res.body).toEqual(
      expect.objectContaining({
        webhookId: hook.id,
        messageId: original.id,
        replayOf: original.id,
        eventType: 'lead.created',
        status: 'pending',
        attempts: 0,
        nextAttemptAt: clock.now().toISOString(),
      }),
    );
    const replayId: string = res.body.id;
    expect(replayId).not.toBe(original.id);

    // A retried request (same Idempotency-Key) gets the same answer and queues nothing more.
    const again = await replay(hook.id, original.id, 'replay-abandoned-1');
    expect(again.status).toBe(202);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.id).toBe(replayId);
    expect((await deliveriesOf(hook.id)).map((d) => d.id)).toEqual([original.id, replayId]);

    // The first attempt fails: a retry is scheduled 30 s (± 20 %) later, not given up.
    const failed = await eventually(async () => {
      const d = await deliveryRow(replayId);
      return d.status === 'failed' ? d : null;
    });
    expect(failed.attempts).toBe(1);
    const wait = failed.next_attempt_at!.getTime() - clock.now().getTime();
    expect(wait).toBeGreaterThanOrEqual(24_000);
    expect(wait).toBeLessThanOrEqual(36_000);
    // The receiver saw the same message: the original's webhook-id and body, signed at send time.
    const sent = r.received.slice(before);
    expect(sent.map((x) => x.id)).toEqual([original.id]);
    expect(verifyWebhook(hook.secret, sent[0], clock.now())).toMatchObject({ type: 'lead.created' });
    expect(sent[0].raw).toBe(r.received[0].raw);

    r.status = 200;
    clock.set(new Date(failed.next_attempt_at!.getTime() + 1));
    await eventually(async () => (await deliveryRow(replayId)).status === 'delivered');
    expect(r.received.slice(before).map((x) => [x.id, x.answered])).toEqual([
      [original.id, 503],
      [original.id, 200],
    ]);

    // Each delivery keeps its own log: the replay its two attempts, the original its three days of failures.
    const replayed = await t.api('get', `/api/v1/webhooks/${hook.id}/deliveries/${replayId}`);
    expect(replayed.body).toMatchObject({ id: replayId, messageId: original.id, replayOf: original.id, status: 'delivered', attempts: 2 });
    expect(replayed.body.attemptLog.map((a: { attempt: number; responseStatus: number }) => [a.attempt, a.responseStatus])).toEqual([
      [1, 503],
      [2, 200],
    ]);
    const first = await t.api('get', `/api/v1/webhooks/${hook.id}/deliveries/${original.id}`);
    expect(first.body).toMatchObject({ status: 'abandoned', messageId: original.id, replayOf: null, attempts: 1 + MAX_WEBHOOK_RETRIES });
    expect(first.body.attemptLog).toHaveLength(1 + MAX_WEBHOOK_RETRIES);
    const log = await t.api('get', `/api/v1/webhooks/${hook.id}/deliveries`);
    expect(log.body.items.map((d: { id: string; status: string }) => [d.id, d.status])).toEqual([
      [replayId, 'delivered'],
      [original.id, 'abandoned'],
    ]);
  });

  it('a replay of a delivery still waiting for its retry takes over: the waiting one is cancelled and never sent again', async () => {
    const r = await receiver();
    r.status = 503;
    const hook = await subscribe(t, r.url(), ['lead.created']);
    await newLead();
    const waiting = await eventually(async () => (await deliveriesOf(hook.id)).find((d) => d.status === 'failed'));

    r.status = 200;
    const res = await replay(hook.id, waiting.id);
    expect(res.status).toBe(202);
    await eventually(async () => (await deliveryRow(res.body.id)).status === 'delivered');
    expect(await deliveryRow(waiting.id)).toMatchObject({ status: 'cancelled', next_attempt_at: null, last_error: `replaced by the replay ${res.body.id}` });
    const listed = await t.api('get', `/api/v1/webhooks/${hook.id}/deliveries?status=cancelled`);
    expect(listed.body.items.map((d: { id: string }) => d.id)).toEqual([waiting.id]);

    // The cancelled delivery's retry time comes and goes: nothing more is sent.
    clock.set(new Date(waiting.next_attempt_at!.getTime() + 60_000));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(r.received.map((x) => [x.id, x.answered])).toEqual([
      [waiting.id, 503],
      [waiting.id, 200],
    ]);

    // A replay of the replay is one more delivery of the same message.
    const second = await replay(hook.id, res.body.id);
    expect(second.body).toMatchObject({ messageId: waiting.id, replayOf: res.body.id });
    await eventually(async () => r.received.length === 3);
    expect(r.received[2].id).toBe(waiting.id);
  });

  it('refuses a replay while a delivery of the message is being attempted, and of an unknown delivery', async () => {
    const r = await receiver();
    const hook = await subscribe(t, r.url(), ['lead.created']);
    await newLead();
    const [d] = await eventually(async () => ((await deliveriesOf(hook.id))[0]?.status === 'delivered' ? deliveriesOf(hook.id) : null));
    // As if a worker were sending it right now.
    await t.db.query(`UPDATE webhook_deliveries SET status = 'sending' WHERE id = $1`, [d.id]);
    const refused = await replay(hook.id, d.id);
    expect(refused.status).toBe(409);
    expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
    await t.db.query(`UPDATE webhook_deliveries SET status = 'delivered' WHERE id = $1`, [d.id]);
    expect(await deliveriesOf(hook.id)).toHaveLength(1);
    expect((await replay(hook.id, '0190a3c4-0000-7000-8000-000000000000')).status).toBe(404);
  });
});
