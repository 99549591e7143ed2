import { WebhookLogRetention } from '../src/webhooks/webhook-log-retention.js';
import { WebhookRetentionCron } from '../src/webhooks/webhook-retention.cron.js';
import { HOUR, outboxDrained, subscribe, upsertLead } from './handoffs-helpers.js';
import { eventually, type TestApp } from './support/test-app.js';
import { webhookWorld } from './webhooks-receiver.js';

const DAY = 24 * HOUR;

/**
 * Retention of the webhook log (WEBHOOK_LOG_RETENTION_DAYS, default 30): finished deliveries with their attempt
 * logs and the relayed outbox events no delivery needs are deleted once past it; held ones are kept.
 */
describe('webhook log retention', () => {
  // The sweep is run by the test (tick), not by its timer; lost jobs are dispatched again after the default 30 s.
  const world = webhookWorld('2026-05-04T09:00:00Z', { WEBHOOK_RETENTION_SWEEP_MS: '86400000', WEBHOOK_REDISPATCH_AFTER_MS: '30000' });
  const { clock, receiver } = world;
  let t: TestApp;
  let leads = 0;
  beforeAll(() => {
    t = world.app();
  });

  const statusesOf = async (webhookId: string): Promise<string[]> =>
    (await t.db.query(`SELECT status FROM webhook_deliveries WHERE subscription_id = $1 ORDER BY occurred_at, created_at`, [webhookId])).map(
      (d: { status: string }) => d.status,
    );
  const count = async (sql: string, params: unknown[] = []): Promise<number> => (await t.db.query(`SELECT count(*)::int AS n FROM ${sql}`, params))[0].n;
  /** A new lead (a lead.created event), one second after the previous one. */
  async function newLead(): Promise<string> {
    clock.advance(1000);
    return upsertLead(t, `retention-${++leads}@bouw.example.be`);
  }
  const outboxEventOf = async (leadId: string): Promise<string> =>
    (await t.db.query(`SELECT id FROM outbox_events WHERE lead_id = $1 AND type = 'lead.created'`, [leadId]))[0].id;

  it('deletes what finished more than 30 days ago — deliveries, attempt logs, payloads, deleted webhooks — and keeps what is held or recent', async () => {
    const ok = await receiver();
    const okHook = await subscribe(t, ok.url(), ['lead.created']);
    const paused = await receiver();
    const pausedHook = await subscribe(t, paused.url(), ['lead.created']);
    const gone = await receiver();
    const goneHook = await subscribe(t, gone.url(), ['lead.created']);
    await t.api('patch', `/api/v1/webhooks/${goneHook.id}`).send({ active: false }).expect(200);

    // Day 0: two leads; the second arrives while one webhook is paused, so it is held there.
    const first = await newLead();
    await eventually(async () => (await statusesOf(okHook.id)).join() === 'delivered' && (await statusesOf(pausedHook.id)).join() === 'delivered');
    await t.api('patch', `/api/v1/webhooks/${pausedHook.id}`).send({ active: false }).expect(200);
    const second = await newLead();
    await eventually(async () => (await statusesOf(okHook.id)).join() === 'delivered,delivered' && (await statusesOf(pausedHook.id)).join() === 'delivered,held');
    await eventually(async () => outboxDrained(t));
    await t.api('delete', `/api/v1/webhooks/${goneHook.id}`).expect(204);
    expect(await statusesOf(goneHook.id)).toEqual(['cancelled', 'cancelled']);
    const [oldDelivery] = await t.db.query(`SELECT id FROM webhook_deliveries WHERE subscription_id = $1 ORDER BY occurred_at LIMIT 1`, [okHook.id]);
    expect(await count(`webhook_attempts WHERE delivery_id = $1`, [oldDelivery.id])).toBe(1);
    const [firstEvent, secondEvent] = [await outboxEventOf(first), await outboxEventOf(second)];

    // Day 29: one more lead; nothing is old enough yet.
    clock.advance(29 * DAY);
    const recent = await newLead();
    await eventually(async () => (await statusesOf(okHook.id)).length === 3 && (await statusesOf(okHook.id)).every((s) => s === 'delivered'));
    await eventually(async () => outboxDrained(t));
    expect(await t.app.get(WebhookRetentionCron).tick()).toBe(0);

    // Day 31: what finished on day 0 goes.
    clock.advance(2 * DAY);
    expect(await t.app.get(WebhookRetentionCron).tick()).toBeGreaterThan(0);
    expect(await statusesOf(okHook.id)).toEqual(['delivered']);
    expect(await count(`webhook_attempts WHERE delivery_id = $1`, [oldDelivery.id])).toBe(0);
    expect((await t.api('get', `/api/v1/webhooks/${okHook.id}/deliveries/${oldDelivery.id}`)).status).toBe(404);
    const log = await t.api('get', `/api/v1/webhooks/${okHook.id}/deliveries`);
    expect(log.body.items).toHaveLength(1);
    // The paused webhook keeps its held deliveries however old (its day-0 delivered one is gone).
    expect(await statusesOf(pausedHook.id)).toEqual(['held', 'held']);
    // The deleted webhook is gone for good, with its cancelled deliveries.
    expect(await count(`webhook_deliveries WHERE subscription_id = $1`, [goneHook.id])).toBe(0);
    expect(await count(`webhook_subscriptions WHERE id = $1`, [goneHook.id])).toBe(0);
    // The first lead's event payload is gone; the second's stays while its held delivery needs it; the recent one stays.
    expect(await count(`outbox_events WHERE id = $1`, [firstEvent])).toBe(0);
    expect(await count(`outbox_events WHERE id = $1`, [secondEvent])).toBe(1);
    expect(await count(`outbox_events WHERE lead_id = $1`, [recent])).toBeGreaterThan(0);
    expect(await count(`outbox_events WHERE published_at < $1 AND id <> $2`, [new Date(clock.now().getTime() - 30 * DAY).toISOString(), secondEvent])).toBe(0);

    // Resumed, the held delivery still goes out, with its body.
    await t.api('patch', `/api/v1/webhooks/${pausedHook.id}`).send({ active: true }).expect(200);
    await eventually(async () => paused.accepted().some((x) => x.body.data.leadId === second));
  });

  it('several workers sweeping at once delete each finished delivery exactly once', async () => {
    const r = await receiver();
    const hook = await subscribe(t, r.url(), ['lead.created']);
    for (let i = 0; i < 7; i++) await newLead();
    await eventually(async () => {
      const statuses = await statusesOf(hook.id);
      return statuses.length === 7 && statuses.every((s) => s === 'delivered');
    });
    // Every webhook gets these leads, not only this test's: wait until nothing is in flight anywhere. A success is
    // timed when its answer arrives but written a moment later (in a batch), so one answered before the clock moves
    // on and written after `due` is counted would be due — and deleted — without having been counted.
    await eventually(async () => outboxDrained(t));
    await eventually(async () => (await count(`webhook_deliveries WHERE status NOT IN ('delivered','abandoned','cancelled')`)) === 0);
    clock.advance(31 * DAY);
    const due = await count(`webhook_deliveries WHERE status IN ('delivered','abandoned','cancelled') AND updated_at < $1`, [
      new Date(clock.now().getTime() - 30 * DAY).toISOString(),
    ]);
    expect(due).toBeGreaterThanOrEqual(7);
    const retention = t.app.get(WebhookLogRetention);
    const results = await Promise.all([1, 2, 3].map(() => retention.sweep(clock.now(), 2)));
    expect(results.reduce((n, r) => n + r.deliveries, 0)).toBe(due);
    expect(await statusesOf(hook.id)).toEqual([]);
  });
});
