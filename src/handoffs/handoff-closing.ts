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

/** Which pending hand-offs the system closes, how and why (see closePendingHandoffs). */
export interface HandoffClosing {
  /** These hand-offs, when still pending (`handoffIds`), or every pending one of these leads (`leadIds`). */
  handoffIds?: string[];
  leadIds?: string[];
  /**
   * `expired`: nobody answered it and nobody needs to (the lead went cold). `rejected`: closed on sales' behalf
   * (reject reason other), with an optional note. Either way closed by `by` (closed_by), not answered: responded_at
   * and responded_by stay null, so SLA compliance and the median response time do not count it as a sales answer.
   */
  status: 'expired' | 'rejected';
  reason: HandoffCloseReason;
  by: string;
  note?: string;
  now: Date;
}

/**
 * Closes pending hand-offs the system takes out of sales' queue (the lead went cold, was set to disqualified or customer
 * by hand, or was erased) and records one `handoff.closed` outbox event per hand-off, both in the caller's transaction,
 * so a sales tool that got `handoff.created` hears that it left the queue. Sales' own answers record none. A close is
 * not an answer: it records closed_at, close_reason and closed_by, never responded_at or responded_by. The event
 * carries no personal data (an erased lead's event stays as it is). Returns the closed hand-offs.
 */
export async function closePendingHandoffs(m: EntityManager, c: HandoffClosing): Promise<ClosedHandoffRow[]> {
  const target = c.handoffIds ? 'id' : 'lead_id';
  const ids = c.handoffIds ?? c.leadIds ?? [];
  if (!ids.length) return [];
  const rejected = c.status === 'rejected';
  // A bare UPDATE … RETURNING answers [rows, count] through the driver: the CTE answers rows.
  const closed: ClosedHandoffRow[] = await m.query(
    `WITH closed AS (
       UPDATE handoffs SET status = $2, closed_at = $3, close_reason = $4, closed_by = $5, updated_at = $3
              ${rejected ? `, reject_reason = 'other', note = coalesce($6::text, note)` : ''}
        WHERE ${target} = ANY($1::uuid[]) AND status = 'pending'
        RETURNING id, lead_id, owner_id, status)
     SELECT * FROM closed ORDER BY id`,
    [ids, c.status, c.now.toISOString(), c.reason, c.by, ...(rejected ? [c.note ?? null] : [])],
  );
  await recordDomainEvents(
    m,
    closed.map((h) => ({ type: 'handoff.closed', leadId: h.lead_id, payload: { ...handoffClosedData(h, c.reason, c.by, c.now) }, occurredAt: c.now })),
  );
  return closed;
}
