import type { EntityManager } from 'typeorm';
import { recordDomainEvents } from '../lifecycle/outbox.js';
import type { HandoffCloseReason, HandoffStatus } from './domain/index.js';

/** A hand-off the system just closed, as closingSql returns it. */
export interface ClosedHandoffRow {
  id: string;
  lead_id: string;
  owner_id: string | null;
  status: HandoffStatus;
}

/**
 * A closing `UPDATE handoffs …` as a statement that returns the closed hand-offs as rows (ClosedHandoffRow): wrapped in
 * a CTE, since a bare UPDATE … RETURNING answers [rows, count] through the driver.
 */
export function closingSql(update: string): string {
  return `WITH closed AS (${update} RETURNING id, lead_id, owner_id, status) SELECT * FROM closed ORDER BY id`;
}

/** The `data` of a `handoff.closed` webhook: ids, the status, why, when and by whom; never personal data. */
export interface HandoffClosedData {
  handoffId: string;
  leadId: string;
  ownerId: string | null;
  status: HandoffStatus;
  reason: HandoffCloseReason;
  closedAt: string;
  closedBy: string;
}

export function handoffClosedData(h: ClosedHandoffRow, reason: HandoffCloseReason, by: string, now: Date): HandoffClosedData {
  return { handoffId: h.id, leadId: h.lead_id, ownerId: h.owner_id, status: h.status, reason, closedAt: now.toISOString(), closedBy: by };
}

/**
 * Records one `handoff.closed` outbox event per hand-off the system closed while it waited for sales (the lead went
 * cold, was set to disqualified or customer by hand, or was erased), in the caller's transaction — the one that closed
 * them — so a sales tool that got `handoff.created` hears that it left the queue. Sales' own answers record none.
 * The data carries no personal data (an erased lead's event stays as it is).
 */
export async function announceClosed(m: EntityManager, closed: ClosedHandoffRow[], reason: HandoffCloseReason, by: string, now: Date): Promise<void> {
  await recordDomainEvents(
    m,
    closed.map((h) => ({ type: 'handoff.closed', leadId: h.lead_id, payload: { ...handoffClosedData(h, reason, by, now) }, occurredAt: now })),
  );
}
