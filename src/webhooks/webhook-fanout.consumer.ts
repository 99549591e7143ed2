import { Injectable, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import { OutboxRelay, type OutboxBatch, type OutboxConsumer, type OutboxEvent } from '../lifecycle/outbox-relay.service.js';
import { WEBHOOK_EVENT_TYPES } from './webhook-event-types.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';

/**
 * For each outbox event, one delivery per active subscription that wants its type — written in the relay's
 * transaction (the unique (subscription, event) pair makes it exactly one), queued after commit.
 */
@Injectable()
export class WebhookFanoutConsumer implements OutboxConsumer, OnModuleInit {
  readonly name = 'webhooks';
  readonly types = WEBHOOK_EVENT_TYPES;

  constructor(
    private readonly relay: OutboxRelay,
    private readonly dispatcher: WebhookDispatcher,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.relay.register(this);
  }

  async consume(m: EntityManager, events: OutboxEvent[], batch: OutboxBatch): Promise<void> {
    const subscriptions: { id: string; events: string[] }[] = await m.query(`SELECT id, events FROM webhook_subscriptions WHERE active`);
    if (!subscriptions.length) return;
    const pairs = events.flatMap((e) => subscriptions.filter((s) => s.events.includes(e.type)).map((s) => ({ s, e })));
    if (!pairs.length) return;
    const now = this.clock.now().toISOString();
    const created: { id: string }[] = await m.query(
      `INSERT INTO webhook_deliveries (subscription_id, outbox_event_id, event_type, payload, occurred_at, status, next_attempt_at, created_at, updated_at)
       SELECT s, e, t, p, o, 'pending', $6, $6, $6 FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::jsonb[], $5::timestamptz[]) AS x(s, e, t, p, o)
       ON CONFLICT (subscription_id, outbox_event_id) DO NOTHING
       RETURNING id`,
      [
        pairs.map((p) => p.s.id),
        pairs.map((p) => p.e.id),
        pairs.map((p) => p.e.type),
        pairs.map((p) => JSON.stringify(p.e.payload)),
        pairs.map((p) => p.e.occurredAt.toISOString()),
        now,
      ],
    );
    batch.afterCommit(() => this.dispatcher.dispatch(created.map((d) => ({ id: d.id, attempts: 0 }))));
  }
}
