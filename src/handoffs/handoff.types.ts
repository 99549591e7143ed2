import { handoffOutcome, slaBreached, territoryCountry, type HandoffCloseReason, type HandoffPriority, type HandoffStatus, type Outcome, type RejectReason } from './domain/index.js';
import { DomainError, ErrorCode } from '../common/domain-error.js';
import type { LeadContact } from '../leads/lead-contact.js';

/** A hand-off row as stored. */
export interface HandoffRow {
  id: string;
  lead_id: string;
  status: HandoffStatus;
  priority: HandoffPriority;
  reason: string;
  trigger_event_id: string | null;
  trigger_event_type: string | null;
  outbox_event_id: string;
  program_id: string | null;
  enrollment_id: string | null;
  step_id: string | null;
  snapshot: HandoffSnapshot;
  owner_id: string | null;
  assigned_at: Date | null;
  sla_due_at: Date;
  breached_at: Date | null;
  breach_count: number;
  responded_at: Date | null;
  responded_by: string | null;
  note: string | null;
  reject_reason: RejectReason | null;
  outcome_at: Date | null;
  value: string | null;
  currency: string | null;
  closed_at: Date | null;
  close_reason: HandoffCloseReason | null;
  closed_by: string | null;
  created_at: Date;
  updated_at: Date;
}

/** What sales needs to act on a lead, taken when the hand-off is created. */
export interface HandoffSnapshot {
  takenAt: string;
  lead: LeadContact & {
    id: string;
    stage: string;
    attributes: Record<string, unknown>;
  };
  source: Record<string, unknown>;
  channel: string | null;
  /** BANT answers as the lead gave them (need, timeline, budget, authority). */
  qualification: Record<string, unknown>;
  score: {
    engagementScore: number;
    fitScore: number;
    mqlRule: { met: boolean; missing: string[] };
    /** The strongest contributions after decay: why this lead is hot. */
    reasons: { description: string; points: number; currentPoints: number; at: string; eventId: string | null }[];
  };
  /** The most recent timeline items, oldest first. */
  timeline: { kind: string; at: string; data: Record<string, unknown> }[];
}

export interface HandoffView {
  id: string;
  leadId: string;
  status: HandoffStatus;
  priority: HandoffPriority;
  reason: string;
  trigger: { eventId: string | null; eventType: string | null; programId: string | null; enrollmentId: string | null; stepId: string | null };
  ownerId: string | null;
  owner: { id: string; name: string; email: string } | null;
  assignedAt: string | null;
  slaDueAt: string;
  slaBreached: boolean;
  breachedAt: string | null;
  breachCount: number;
  /** When and by whom sales answered (accept or reject); null while unanswered and when the system closed it instead. */
  respondedAt: string | null;
  respondedBy: string | null;
  note: string | null;
  rejectReason: RejectReason | null;
  /**
   * The outcome sales reported (opportunity, won, lost), null before they reported one: what a client reads instead
   * of the status, which moves on from `accepted` to the outcome's name.
   */
  outcome: Outcome | null;
  outcomeAt: string | null;
  value: number | null;
  currency: string | null;
  /** When, why and by whom the system closed it while it waited for sales (announced as `handoff.closed`); null otherwise. */
  closedAt: string | null;
  closeReason: HandoffCloseReason | null;
  closedBy: string | null;
  createdAt: string;
  updatedAt: string;
  /** The lead's picture at hand-off time; null (and empty lists) once the lead was erased. */
  lead: HandoffSnapshot['lead'] | null;
  source: HandoffSnapshot['source'];
  channel: string | null;
  qualification: HandoffSnapshot['qualification'];
  score: HandoffSnapshot['score'] | null;
  timeline: HandoffSnapshot['timeline'];
  snapshotAt: string | null;
}

export interface OwnerFacts {
  id: string;
  name: string;
  email: string;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** A snapshot emptied by GDPR erasure (`{}`) reads as nothing known. */
function snapshotOf(row: HandoffRow): HandoffSnapshot | null {
  return row.snapshot && 'lead' in row.snapshot ? row.snapshot : null;
}

/** The lead's locale as it was at hand-off time (for matching reps), if the snapshot still holds it. */
export function snapshotLocale(row: HandoffRow): string | null {
  return snapshotOf(row)?.lead.locale ?? null;
}

/**
 * The lead's country as it was at hand-off time (for matching territories): its `attributes.country` as an upper-case
 * ISO 3166-1 alpha-2 code, or null without a usable one or once the snapshot was erased.
 */
export function snapshotCountry(row: HandoffRow): string | null {
  return territoryCountry(snapshotOf(row)?.lead.attributes?.['country']);
}

/**
 * The lead's picture that sales get — profile, source and channel, BANT answers, score with its reasons, recent
 * timeline, and when it was taken — as the fields of a hand-off (and of a `lead.mql` webhook's data). A null
 * snapshot (the lead was erased) reads as nothing known.
 */
export function leadPicture(s: HandoffSnapshot | null): Pick<HandoffView, 'lead' | 'source' | 'channel' | 'qualification' | 'score' | 'timeline' | 'snapshotAt'> {
  return {
    lead: s?.lead ?? null,
    source: s?.source ?? {},
    channel: s?.channel ?? null,
    qualification: s?.qualification ?? {},
    score: s?.score ?? null,
    timeline: s?.timeline ?? [],
    snapshotAt: s?.takenAt ?? null,
  };
}

/**
 * The snapshot a lead's picture (leadPicture's fields, as a `lead.mql` event's payload carries them) was made from;
 * null when the payload holds none (the lead was erased, or no webhook wanted the event's picture).
 */
export function snapshotFromPicture(p: Record<string, unknown>): HandoffSnapshot | null {
  if (typeof p.snapshotAt !== 'string' || !p.lead || typeof p.lead !== 'object' || !p.score || typeof p.score !== 'object') return null;
  const picture = p as unknown as ReturnType<typeof leadPicture>;
  return {
    takenAt: p.snapshotAt,
    lead: picture.lead!,
    source: picture.source,
    channel: picture.channel,
    qualification: picture.qualification,
    score: picture.score!,
    timeline: picture.timeline,
  };
}

/**
 * The API's view of a hand-off. `slaBreached` (see the domain's slaBreached) holds for every status: a hand-off
 * answered by sales after its deadline missed it, one the system closed without an answer missed it when it was
 * closed after its deadline, and with `now` one still pending past its deadline reads as breached even before the SLA
 * watch has flagged it; without `now`, a pending one reads as breached only when flagged (the view announced by the
 * watch itself).
 */
export function toHandoffView(row: HandoffRow, owner: OwnerFacts | null, now?: Date): HandoffView {
  const s = snapshotOf(row);
  return {
    id: row.id,
    leadId: row.lead_id,
    status: row.status,
    priority: row.priority,
    reason: row.reason,
    trigger: {
      eventId: row.trigger_event_id,
      eventType: row.trigger_event_type,
      programId: row.program_id,
      enrollmentId: row.enrollment_id,
      stepId: row.step_id,
    },
    ownerId: row.owner_id,
    owner: owner && row.owner_id === owner.id ? { id: owner.id, name: owner.name, email: owner.email } : null,
    assignedAt: iso(row.assigned_at),
    slaDueAt: row.sla_due_at.toISOString(),
    slaBreached: slaBreached({ slaDueAt: row.sla_due_at, breachedAt: row.breached_at, respondedAt: row.responded_at, closedAt: row.closed_at }, now),
    breachedAt: iso(row.breached_at),
    breachCount: row.breach_count,
    respondedAt: iso(row.responded_at),
    respondedBy: row.responded_by,
    note: row.note,
    rejectReason: row.reject_reason,
    outcome: handoffOutcome(row.status),
    outcomeAt: iso(row.outcome_at),
    value: row.value === null ? null : Number(row.value),
    currency: row.currency,
    closedAt: iso(row.closed_at),
    closeReason: row.close_reason,
    closedBy: row.closed_by,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    ...leadPicture(s),
  };
}

/** Reads hand-offs with their owner's name and email in one statement. */
export const HANDOFF_WITH_OWNER = `SELECT h.*, r.name AS owner_name, r.email AS owner_email FROM handoffs h LEFT JOIN sales_reps r ON r.id = h.owner_id`;

export type HandoffWithOwnerRow = HandoffRow & { owner_name: string | null; owner_email: string | null };

export function viewWithOwner(row: HandoffWithOwnerRow, now?: Date): HandoffView {
  const owner = row.owner_id && row.owner_name !== null ? { id: row.owner_id, name: row.owner_name, email: row.owner_email ?? '' } : null;
  return toHandoffView(row, owner, now);
}

/** Why sales cannot answer, reassign or report on a hand-off whose lead was erased (GDPR): the lead takes no new data. */
export function handoffLeadErased(id: string): DomainError {
  return new DomainError(ErrorCode.Gone, `The lead of hand-off ${id} was erased (GDPR): the hand-off takes no answer, outcome or new owner.`);
}
