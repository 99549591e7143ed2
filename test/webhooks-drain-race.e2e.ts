import { recordDomainEvents } from '../src/lifecycle/outbox.js';
import { WebhookDeliveryService } from '../src/webhooks/webhook-delivery.service.js';
import { WebhookFanoutConsumer } from '../src/webhooks/webhook-fanout.consumer.js';
import { outboxDrained, subscribe, upsertLead } from './handoffs-helpers.js';
import { eventually } from './support/test-app.js';
import { webhookWorld } from './webhooks-receiver.js';

/**
 * An event that arrives while a resumed webhook's drain is running is held behind the deliveries the drain is
 * sending; the drain sends it too before it ends, rather than leaving it to the next sweep (here ten minutes away).
 */
describe('a webhook drain and an event arriving meanwhile', () => {
  const world = webhookWorld('2026-04-13T09:00:00Z', { WEBHOOK_SWEEP_MS: '600000' });
  const { clock, receiver } = world;

  it('the drain sends a delivery held behind it by a relay batch that commits as it ends, in event order, each once', async () => {
    const t = world.app();
    const r = await receiver();
    const hook = await subscribe(t, r.url(), ['lead.created']);
    await t.api('patch', `/api/v1/webhooks/${hook.id}`).send({ active: false }).expect(200);
    clock.advance(1000);
    await upsertLead(t, 'race-1@verhuur.example.be');
    clock.advance(1000);
    const lead = await upsertLead(t, 'race-2@verhuur.example.be');
    await eventually(async () => (await outboxDrained(t)) && (await world.deliveriesOf(hook.id)).length === 2);
    // Resumed in the database (as PATCH does, without queueing its drain: the test runs the drain itself).
    await t.db.query(`UPDATE webhook_subscriptions SET active = true, paused_at = NULL, disabled_at = NULL, disabled_reason = NULL WHERE id = $1`, [hook.id]);

    // A relay batch fans a new event out while the two are still held: its delivery is held behind them. The batch
    // stays open (uncommitted) while the drain runs. Its after-commit nudge is left out: that nudge is what finds
    // the drain's job still running, and adds no drain, when the batch commits as the drain ends.
    clock.advance(1000);
    const batch = t.db.createQueryRunner();
    await batch.connect();
    await batch.startTransaction();
    const event = { type: 'lead.created' as const, leadId: lead, payload: { leadId: lead, late: true }, occurredAt: clock.now() };
    const [eventId] = await recordDomainEvents(batch.manager, [event]);
    await batch.query(`UPDATE outbox_events SET published_at = $2 WHERE id = $1`, [eventId, clock.now().toISOString()]);
    await t.app.get(WebhookFanoutConsumer).consume(batch.manager, [{ id: eventId, ...event }], { afterCommit: () => undefined, relaySoon: () => undefined });

    let ended = false;
    const drain = t.app.get(WebhookDeliveryService).drain(hook.id);
    void drain.then(
      () => (ended = true),
      () => (ended = true),
    );
    await eventually(async () => r.accepted().length === 2);
    // The drain has sent what it could see; it ends, or waits for the open batch.
    const waitingForLock = async () =>
      (await t.db.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)).length > 0;
    await eventually(async () => ended || (await waitingForLock()));
    await batch.commitTransaction();
    await batch.release();

    expect(await drain).toBe(3);
    const deliveries = await world.deliveriesOf(hook.id, 'occurred_at, created_at, id');
    expect(deliveries.map((d) => d.status)).toEqual(['delivered', 'delivered', 'delivered']);
    expect(r.accepted().map((x) => x.id)).toEqual(deliveries.map((d) => d.id));
    expect(r.accepted()[2].body.data).toEqual({ leadId: lead, late: true });
  });
});
