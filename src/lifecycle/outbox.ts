import { EntityManager } from 'typeorm';

/** Domain events that later work consumes (nurture goals, hand-off, webhooks). */
export type DomainEventType =
  | 'lead.created'
  | 'lead.stage_changed'
  | 'lead.mql'
  | 'lead.unsubscribed'
  | 'handoff.requested'
  | 'handoff.created'
  | 'handoff.sla_breached'
  | 'handoff.reassigned'
  | 'handoff.escalated'
  | 'handoff.closed';

export interface DomainEventDraft {
  type: DomainEventType;
  leadId: string;
  payload: Record<string, unknown>;
  occurredAt: Date;
}

/**
 * Records domain events in the outbox, inside the caller's transaction: the event exists
 * exactly when the change that caused it was committed. Returns the new events' ids.
 */
export async function recordDomainEvents(manager: EntityManager, events: DomainEventDraft[]): Promise<string[]> {
  if (!events.length) return [];
  // One JSON parameter: serialised natively, where a text[] of payloads would be escaped element by element.
  const rows: { id: string }[] = await manager.query(
    `INSERT INTO outbox_events (type, lead_id, payload, occurred_at)
     SELECT x.type, x.lead_id, x.payload, x.occurred_at
       FROM jsonb_to_recordset($1::jsonb) AS x(type text, lead_id uuid, payload jsonb, occurred_at timestamptz)
     RETURNING id`,
    [JSON.stringify(events.map((e) => ({ type: e.type, lead_id: e.leadId, payload: e.payload, occurred_at: e.occurredAt.toISOString() })))],
  );
  return rows.map((r) => r.id);
}
