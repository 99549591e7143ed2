import { EntityManager } from 'typeorm';
import type { Stage } from '../scoring/domain/lifecycle.js';
import { DomainEventDraft, recordDomainEvents } from './outbox.js';

export interface StageChange {
  leadId: string;
  from: Stage | null;
  to: Stage;
  actor: string;
  reason: string;
  eventId?: string | null;
  at: Date;
}

/**
 * Applies stage changes inside the caller's transaction: updates the lead (and the funnel milestones it reached:
 * reaching a later stage reaches the earlier ones too, so a deal won straight after acceptance counts as an
 * opportunity and a lead accepted without a promotion as an MQL, at that moment; a lead created at a stage reaches
 * none; a lead recycled starts over with
 * no engagement earned since, see scoreEvents), keeps the history row
 * (time, actor, reason) and records `lead.stage_changed` — and `lead.mql` for each promotion to MQL —
 * in the outbox. Callers decide *whether* a move is allowed (see canAutoAdvance).
 */
export async function applyStageChanges(manager: EntityManager, changes: StageChange[]): Promise<void> {
  if (!changes.length) return;
  // The lead row takes each lead's last move only: a lead may move twice at once (a subscriber made a lead, then an
  // MQL by the rule), and an UPDATE joined to two rows of one lead applies one of them, which one PostgreSQL does not
  // say (in large batches, the first). The last move holds the stage the lead ends at, and its milestones hold the
  // earlier moves' (reaching a later stage reaches the earlier ones). Every move is kept in the history below.
  const last = [...new Map(changes.map((c) => [c.leadId, c])).values()];
  // A lead created at a stage (from null: a CRM import of existing customers) reached no milestone through
  // this funnel: its milestones stay empty, so imports do not count as conversions on the day they came in.
  await manager.query(
    `UPDATE leads l SET stage = c.to_stage, updated_at = c.at,
            mql_at = CASE WHEN c.created THEN l.mql_at WHEN c.to_stage = 'mql' THEN c.at
                          WHEN c.to_stage IN ('sql', 'opportunity', 'customer') THEN coalesce(l.mql_at, c.at) ELSE l.mql_at END,
            sql_at = CASE WHEN NOT c.created AND c.to_stage IN ('sql', 'opportunity', 'customer') THEN coalesce(l.sql_at, c.at) ELSE l.sql_at END,
            opportunity_at = CASE WHEN NOT c.created AND c.to_stage IN ('opportunity', 'customer') THEN coalesce(l.opportunity_at, c.at) ELSE l.opportunity_at END,
            customer_at = CASE WHEN NOT c.created AND c.to_stage = 'customer' THEN coalesce(l.customer_at, c.at) ELSE l.customer_at END,
            recycled_at = CASE WHEN c.to_stage = 'recycled' THEN c.at ELSE l.recycled_at END,
            recycled_engagement = CASE WHEN c.to_stage = 'recycled' THEN 0 ELSE l.recycled_engagement END
       FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::boolean[]) AS c(lead_id, to_stage, at, created)
      WHERE l.id = c.lead_id`,
    [last.map((c) => c.leadId), last.map((c) => c.to), last.map((c) => c.at.toISOString()), last.map((c) => c.from === null)],
  );
  await manager.query(
    `INSERT INTO stage_changes (lead_id, from_stage, to_stage, actor, reason, event_id, changed_at)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::uuid[], $7::timestamptz[])`,
    [
      changes.map((c) => c.leadId),
      changes.map((c) => c.from),
      changes.map((c) => c.to),
      changes.map((c) => c.actor),
      changes.map((c) => c.reason),
      changes.map((c) => c.eventId ?? null),
      changes.map((c) => c.at.toISOString()),
    ],
  );
  const events: DomainEventDraft[] = [];
  for (const c of changes) {
    const payload = { leadId: c.leadId, from: c.from, to: c.to, actor: c.actor, reason: c.reason, eventId: c.eventId ?? null };
    events.push({ type: 'lead.stage_changed', leadId: c.leadId, payload, occurredAt: c.at });
    if (c.to === 'mql') events.push({ type: 'lead.mql', leadId: c.leadId, payload, occurredAt: c.at });
  }
  await recordDomainEvents(manager, events);
}
