import { Injectable, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import { HandoffSnapshotService } from '../handoffs/handoff-snapshot.service.js';
import { leadPicture } from '../handoffs/handoff.types.js';
import { OutboxRelay, type OutboxBatch, type OutboxConsumer, type OutboxEvent } from '../lifecycle/outbox-relay.service.js';
import { WEBHOOK_EVENT_TYPES } from './webhook-event-types.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';
import { HELD_OR_PENDING_SQL } from './webhook-hold.js';

/**
 * For each outbox event, one delivery per subscription that wants its type (active, paused or disabled for
 * failing; not deleted) — written in the relay's transaction (the unique (subscription, event) pair makes it
 * exactly one), queued after commit; held (not queued) for a paused or disabled one.
 */
@Injectable()
export class WebhookFanoutConsumer implements OutboxConsumer, OnModuleInit {
  readonly name = 'webhooks';
  readonly types = WEBHOOK_EVENT_TYPES;

  constructor(
    private readonly relay: OutboxRelay,
    private readonly dispatcher: WebhookDispatcher,
    private readonly pictures: HandoffSnapshotService,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.relay.register(this);
  }

  async consume(m: EntityManager, events: OutboxEvent[], batch: OutboxBatch): Promise<void> {
    // The subscriptions these events may go to are held FOR KEY SHARE until the batch commits, from before the
    // insert below reads which deliveries are held (the insert's foreign key takes the same lock, but only after its
    // snapshot was taken). A drain ends only after taking its webhook's row FOR UPDATE and finding nothing held
    // (WebhookDeliveriesRepository.claimLastHeld): either it waits for this batch and sends what it held behind the
    // drain, or this batch waits for it and then finds nothing held, so its delivery is pending and queued at once.
    // KEY SHARE does not conflict with the updates of a webhook's own columns (failures, disabling, deleting); only
    // a drain's end and a PATCH wait for the commit.
    const subscriptions: { events: string[] }[] = await m.query(
      `SELECT events FROM webhook_subscriptions WHERE deleted_at IS NULL AND events && $1::text[] ORDER BY id FOR KEY SHARE`,
      [[...new Set(events.map((e) => e.type))]],
    );
    if (subscriptions.some((s) => s.events.includes('lead.mql'))) await this.addLeadPictures(m, events);
    // One statement: pairs each event with the subscriptions (not deleted) that want its type, and copies the
    // body from the outbox row inside PostgreSQL (no payload travels through this process again). A paused or
    // disabled webhook's delivery is held; so is an active one's while deliveries held before are still going
    // out (a drain), so that they keep the order of the events.
    const created: { id: string; status: 'pending' | 'held'; subscription_id: string; active: boolean; event_type: string; outbox_event_id: string }[] = await m.query(
      `WITH ins AS (
         INSERT INTO webhook_deliveries (subscription_id, outbox_event_id, event_type, payload, occurred_at, status, next_attempt_at, created_at, updated_at)
         SELECT s.id, o.id, o.type, o.payload, o.occurred_at, h.status, CASE WHEN h.status = 'pending' THEN $2::timestamptz END, $2, $2
           FROM unnest($1::uuid[]) WITH ORDINALITY AS x(e, n)
           JOIN outbox_events o ON o.id = x.e
           JOIN webhook_subscriptions s ON s.deleted_at IS NULL AND o.type = ANY(s.events)
           CROSS JOIN LATERAL (SELECT ${HELD_OR_PENDING_SQL('s')} AS status) h
          ORDER BY x.n, s.id
         ON CONFLICT (subscription_id, outbox_event_id) WHERE replay_of IS NULL DO NOTHING
         RETURNING id, status, subscription_id, event_type, outbox_event_id)
       SELECT ins.id, ins.status, ins.subscription_id, ins.event_type, ins.outbox_event_id, s.active FROM ins JOIN webhook_subscriptions s ON s.id = ins.subscription_id`,
      [events.map((e) => e.id), this.clock.now().toISOString()],
    );
    if (!created.length) return;
    const pending = created.filter((d) => d.status === 'pending').map((d) => ({ id: d.id, attempts: 0 }));
    const draining = created.filter((d) => d.status === 'held' && d.active).map((d) => d.subscription_id);
    batch.afterCommit(async () => {
      await this.dispatcher.dispatch(pending);
      if (draining.length) await this.dispatcher.drain(draining);
    });
  }

  /**
   * A `lead.mql` webhook tells sales what they need, as a hand-off does: the lead's picture (profile, source and
   * channel, BANT answers, score with its reasons, recent timeline; see HandoffSnapshotService) is taken once per
   * lead for the whole batch, in the relay's transaction, and added to the event's outbox payload — before the
   * deliveries are written, so each copies it with the rest of the body and is written once. The event objects of
   * this batch get it too: the hand-off made from the same event later in the batch takes it as its snapshot
   * (HandoffRequestsConsumer) instead of taking it again, so `handoff.created` carries the same picture. A lead
   * erased meanwhile gets none; erasure scrubs the outbox payloads with the deliveries' (LeadErasureService).
   */
  private async addLeadPictures(m: EntityManager, events: OutboxEvent[]): Promise<void> {
    const mql = events.filter((e) => e.type === 'lead.mql' && e.leadId);
    if (!mql.length) return;
    const snapshots = await this.pictures.takeForLeads(m, mql.map((e) => e.leadId!));
    const rows = mql.filter((e) => snapshots.has(e.leadId!)).map((e) => ({ event: e, picture: leadPicture(snapshots.get(e.leadId!)!) }));
    if (!rows.length) return;
    await m.query(
      `UPDATE outbox_events o SET payload = o.payload || x.picture FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, picture jsonb) WHERE o.id = x.id`,
      [JSON.stringify(rows.map((r) => ({ id: r.event.id, picture: r.picture })))],
    );
    for (const r of rows) r.event.payload = { ...r.event.payload, ...r.picture };
  }
}
