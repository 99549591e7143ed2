import { HOUR, outboxDrained, subscribe, upsertLead } from './handoffs-helpers.js';
import { eventually, type TestApp } from './support/test-app.js';
import { verifyWebhook, webhookWorld } from './webhooks-receiver.js';

/**
 * Pausing a webhook (PATCH active: false) holds its deliveries — the waiting ones and those of events during the
 * pause — without attempting or dropping them; resuming sends them in the order the events occurred, signed at
 * send time. Deleting a paused webhook cancels what it held.
 */
describe('webhook pause and resume', () => {
  const world = webhookWorld('2026-04-06T09:00:00Z');
  const { clock, receiver } = world;
  /** In the order their events occurred: the order a resume sends them in. */
  const deliveriesOf = (webhookId: string) => world.deliveriesOf(webhookId, 'occurred_at, created_at, id');
  let t: TestApp;
  let leads = 0;
  beforeAll(() => {
    t = world.app();
  });

  /** A new lead (a lead.created event), one second after the previous one. */
  async function newLead(): Promise<string> {
    clock.advance(1000);
    return upsertLead(t, `pause-${++leads}@verhuur.example.be`);
  }
  const pause = (id: string) => t.api('patch', `/api/v1/webhooks/${id}`).send({ active: false });
  const resume = (id: string) => t.api('patch', `/api/v1/webhooks/${id}`).send({ active: true });
  const settle = () => new Promise((resolve) => setTimeout(resolve, 400));

  it('holds the waiting delivery and those of events while paused, past the retry horizon; on resume they go out in event order, freshly signed', async () => {
    const r = await receiver();
    const hook = await subscribe(t, r.url(), ['lead.created']);
    r.status = 503;
    const first = await newLead();
    await eventually(async () => (await deliveriesOf(hook.id))[0]?.status === 'failed');

    const paused = await pause(hook.id);
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ active: false, pausedAt: clock.now().toISOString(), disabledReason: 'paused through the API' });
    const during = [await newLead(), await newLead(), await newLead()];
    await eventually(async () => (await outboxDrained(t)) && (await deliveriesOf(hook.id)).length === 4);

    // The log shows all four as held: the failed one kept its attempt, none is scheduled.
    const held = await t.api('get', `/api/v1/webhooks/${hook.id}/deliveries?status=held`);
    expect(held.status).toBe(200);
    expect(held.body.items).toHaveLength(4);
    expect(held.body.items.every((d: { nextAttemptAt: string | null }) => d.nextAttemptAt === null)).toBe(true);
    expect((await deliveriesOf(hook.id)).map((d) => [d.status, d.attempts])).toEqual([
      ['held', 1],
      ['held', 0],
      ['held', 0],
      ['held', 0],
    ]);

    // Five days later — longer than any delivery is retried — nothing was attempted and nothing was given up.
    clock.advance(5 * 24 * HOUR);
    await settle();
    expect(r.received).toHaveLength(1);
    expect((await deliveriesOf(hook.id)).every((d) => d.status === 'held')).toBe(true);

    // Meanwhile the secret is rotated, revoking the old one: what goes out on resume is signed with the new one.
    const rotated = await t.api('post', `/api/v1/webhooks/${hook.id}/rotate-secret`).send({ graceSeconds: 0 }).expect(200);
    r.status = 200;
    const resumed = await resume(hook.id);
    expect(resumed.body).toMatchObject({ active: true, pausedAt: null, disabledAt: null, disabledReason: null });
    await eventually(async () => r.accepted().length === 4);
    const sent = r.accepted();
    expect(sent.map((x) => x.body.data.leadId)).toEqual([first, ...during]);
    const resumedAt = String(Math.floor(clock.now().getTime() / 1000));
    for (const x of sent) {
      expect(x.timestamp).toBe(resumedAt);
      expect(verifyWebhook(rotated.body.secret, x, clock.now())).toMatchObject({ type: 'lead.created' });
      expect(() => verifyWebhook(hook.secret, x, clock.now())).toThrow();
    }
    await eventually(async () => (await deliveriesOf(hook.id)).every((d) => d.status === 'delivered'));
    expect((await deliveriesOf(hook.id)).map((d) => d.attempts)).toEqual([2, 1, 1, 1]);

    // Resumed, new events go out at once again.
    const after = await newLead();
    await eventually(async () => r.accepted().some((x) => x.body.data.leadId === after));
  });

  it('a replay asked for while paused is held too, and goes out on resume', async () => {
    const r = await receiver();
    const hook = await subscribe(t, r.url(), ['lead.created']);
    await newLead();
    const [delivered] = await eventually(async () => ((await deliveriesOf(hook.id))[0]?.status === 'delivered' ? deliveriesOf(hook.id) : null));
    await pause(hook.id).expect(200);
    const replay = await t.api('post', `/api/v1/webhooks/${hook.id}/deliveries/${delivered.id}/retry`);
    expect(replay.status).toBe(202);
    expect(replay.body).toMatchObject({ status: 'held', nextAttemptAt: null, replayOf: delivered.id });
    await settle();
    expect(r.received).toHaveLength(1);
    await resume(hook.id).expect(200);
    await eventually(async () => r.received.length === 2);
    expect(r.received[1].id).toBe(delivered.id);
  });

  it('held deliveries of a webhook resumed without its drain (Redis lost the job) are sent by the sweep', async () => {
    const r = await receiver();
    const hook = await subscribe(t, r.url(), ['lead.created']);
    await pause(hook.id).expect(200);
    const lead = await newLead();
    await eventually(async () => (await deliveriesOf(hook.id))[0]?.status === 'held');
    // As if the resume's call to Redis had failed after its commit.
    await t.db.query(`UPDATE webhook_subscriptions SET active = true, paused_at = NULL WHERE id = $1`, [hook.id]);
    await eventually(async () => r.accepted().some((x) => x.body.data.leadId === lead));
  });

  it('deleting a paused webhook cancels what it held: nothing is sent, and its secret is wiped', async () => {
    const r = await receiver();
    const hook = await subscribe(t, r.url(), ['lead.created']);
    await pause(hook.id).expect(200);
    await newLead();
    await eventually(async () => (await deliveriesOf(hook.id))[0]?.status === 'held');

    expect((await t.api('delete', `/api/v1/webhooks/${hook.id}`)).status).toBe(204);
    expect(await deliveriesOf(hook.id)).toEqual([expect.objectContaining({ status: 'cancelled', next_attempt_at: null, last_error: 'webhook deleted' })]);
    expect((await t.api('get', `/api/v1/webhooks/${hook.id}`)).status).toBe(404);
    expect((await t.api('patch', `/api/v1/webhooks/${hook.id}`).send({ active: true })).status).toBe(404);
    expect((await t.api('get', '/api/v1/webhooks?limit=500')).body.items.map((w: { id: string }) => w.id)).not.toContain(hook.id);
    const [row] = await t.db.query(`SELECT secret_encrypted, previous_secret_encrypted, active FROM webhook_subscriptions WHERE id = $1`, [hook.id]);
    expect(row).toEqual({ secret_encrypted: '', previous_secret_encrypted: null, active: false });

    // Later events are not given to it.
    await newLead();
    await eventually(async () => outboxDrained(t));
    await settle();
    expect(await deliveriesOf(hook.id)).toHaveLength(1);
    expect(r.received).toHaveLength(0);
  });
});
