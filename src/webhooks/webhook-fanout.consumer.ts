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
    // One statement: pairs each event with the active subscriptions that want its type, and copies the body
    // from the outbox row inside PostgreSQL (no payload travels through this process again).
    const created: { id: string }[] = await m.query(
      `INSERT INTO webhook_deliveries (subscription_id, outbox_event_id, event_type, payload, occurred_at, status, next_attempt_at, created_at, updated_at)
       SELECT s.id, o.id, o.type, o.payload, o.occurred_at, 'pending', $2, $2, $2
         FROM unnest($1::uuid[]) WITH ORDINALITY AS x(e, n)
         JOIN outbox_events o ON o.id = x.e
         JOIN webhook_subscriptions s ON s.active AND o.type = ANY(s.events)
        ORDER BY x.n, s.id
       ON CONFLICT (subscription_id, outbox_event_id) WHERE replay_of IS NULL DO NOTHING
       RETURNING id`,
      [events.map((e) => e.id), this.clock.now().toISOString()],
    );
    if (!created.length) return;
    batch.afterCommit(() => this.dispatcher.dispatch(created.map((d) => ({ id: d.id, attempts: 0 }))));
  }
}
