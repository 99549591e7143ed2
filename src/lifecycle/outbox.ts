import { EntityManager } from 'typeorm';

/** Domain events that later work consumes (nurture goals, hand-off, webhooks). */
export type DomainEventType =
  | 'lead.created'
  | 'lead.stage_changed'
  | 'lead.mql'
  | 'lead.unsubscribed'
  | 'handoff.requested'
  | 'handoff.created'
  | 'handoff.sla_breached';

export interface DomainEventDraft {
  type: DomainEventType;
  leadId: string;
  payload: Record<string, unknown>;
  occurredAt: Date;
}

/**
 * Records domain events in the outbox, inside the caller's transaction: the event exists
 * exactly when the change that caused it was committed.
 */
export async function recordDomainEvents(manager: EntityManager, events: DomainEventDraft[]): Promise<void> {
  if (!events.length) return;
  await manager.query(
    `INSERT INTO outbox_events (type, lead_id, payload, occurred_at)
     SELECT * FROM unnest($1::text[], $2::uuid[], $3::jsonb[], $4::timestamptz[])`,
    [
      events.map((e) => e.type),
      events.map((e) => e.leadId),
      events.map((e) => JSON.stringify(e.payload)),
      events.map((e) => e.occurredAt.toISOString()),
    ],
  );
}
