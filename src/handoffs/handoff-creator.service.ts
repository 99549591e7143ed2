import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { LeadRow } from '../leads/lead.types.js';
import { recordDomainEvents } from '../lifecycle/outbox.js';
import { compareHandoffPriority, type HandoffPriority } from './domain/index.js';
import {
  HANDOFF_WITH_OWNER,
  snapshotLocale,
  snapshotCountry,
  toHandoffView,
  viewWithOwner,
  type HandoffRow,
  type HandoffSnapshot,
  type HandoffView,
  type HandoffWithOwnerRow,
} from './handoff.types.js';
import { HandoffSnapshotService } from './handoff-snapshot.service.js';
import { OwnerAssignment } from './owner-assignment.js';
import { deadlines } from './sla-deadlines.js';

/** Why a lead should go to sales: a promotion to MQL, or a program's hand-off step. */
export interface HandoffRequest {
  outboxEventId: string;
  leadId: string;
  /** high_intent_event | mql_rule | program_step … */
  reason: string;
  priority: HandoffPriority;
  triggerEventId: string | null;
  triggerEventType: string | null;
  programId: string | null;
  enrollmentId: string | null;
  stepId: string | null;
  /** The lead's picture its `lead.mql` event already carries (see WebhookFanoutConsumer); taken anew when absent. */
  snapshot?: HandoffSnapshot | null;
}

/**
 * Creates hand-offs inside the caller's transaction (the outbox relay's): at most one open hand-off per
 * lead — the unique partial index decides, so a second MQL, a program request or a concurrent worker
 * creates nothing (but a request of higher priority raises a pending one, see escalate) — an owner by
 * weighted round robin, an SLA deadline in office time, and a `handoff.created` event in the outbox for
 * webhooks.
 */
@Injectable()
export class HandoffCreator {
  constructor(
    private readonly snapshots: HandoffSnapshotService,
    private readonly owners: OwnerAssignment,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * The hand-offs created, and the ids of their `handoff.created` outbox events (and of `handoff.escalated`,
   * for pending hand-offs a request of higher priority raised).
   */
  async create(m: EntityManager, requests: HandoffRequest[]): Promise<{ views: HandoffView[]; eventIds: string[] }> {
    const { candidates, leads, raise } = await this.withoutOpenHandoff(m, highestPerLead(requests));
    const escalatedIds = await this.escalate(m, raise);
    const none = { views: [], eventIds: escalatedIds };
    if (!candidates.length) return none;
    // One picture per promotion: the one its lead.mql event carries, when it does; taken now for the others.
    const given = new Map(candidates.flatMap((r) => (r.snapshot ? [[r.leadId, r.snapshot] as const] : [])));
    const snapshots = await this.snapshots.take(m, leads.filter((l) => !given.has(l.id)));
    for (const [leadId, snapshot] of given) snapshots.set(leadId, snapshot);
    const now = this.clock.now();
    const due = deadlines(now, this.config);
    // Sorted by lead, so two workers inserting overlapping leads wait on each other instead of deadlocking.
    const rows = candidates
      .filter((r) => snapshots.has(r.leadId))
      .sort((a, b) => (a.leadId < b.leadId ? -1 : 1))
      .map((r) => ({ ...r, snapshot: snapshots.get(r.leadId)!, slaDueAt: due(r.priority) }));
    if (!rows.length) return none;
    // One JSON parameter for the whole batch: serialised natively, where a text[] of snapshots would be escaped element by element.
    const inserted: HandoffRow[] = await m.query(
      `INSERT INTO handoffs (lead_id, priority, reason, trigger_event_id, trigger_event_type, outbox_event_id, program_id, enrollment_id, step_id,
                             snapshot, sla_due_at, created_at, updated_at)
       SELECT * FROM (
         SELECT l, p, r, te, tt, o, pr, en, st, sn, due, $2::timestamptz, $2::timestamptz
           FROM jsonb_to_recordset($1::jsonb)
             AS x(l uuid, p text, r text, te uuid, tt text, o uuid, pr uuid, en uuid, st text, sn jsonb, due timestamptz)
          ORDER BY l) ordered
       ON CONFLICT (lead_id) WHERE status IN ('pending','accepted','opportunity') DO NOTHING
       RETURNING *`,
      [
        JSON.stringify(
          rows.map((r) => ({
            l: r.leadId,
            p: r.priority,
            r: r.reason,
            te: r.triggerEventId,
            tt: r.triggerEventType,
            o: r.outboxEventId,
            pr: r.programId,
            en: r.enrollmentId,
            st: r.stepId,
            sn: r.snapshot,
            due: r.slaDueAt.toISOString(),
          })),
        ),
        now.toISOString(),
      ],
    );
    if (!inserted.length) return none;
    inserted.sort((a, b) => (a.lead_id < b.lead_id ? -1 : 1));
    const owners = await this.owners.assign(
      m,
      inserted.map((h) => ({ key: h.id, locale: snapshotLocale(h), country: snapshotCountry(h) })),
    );
    const assigned = inserted.filter((h) => owners.get(h.id));
    if (assigned.length) {
      await m.query(
        `UPDATE handoffs h SET owner_id = c.owner_id, assigned_at = $3 FROM unnest($1::uuid[], $2::uuid[]) AS c(id, owner_id) WHERE h.id = c.id`,
        [assigned.map((h) => h.id), assigned.map((h) => owners.get(h.id)!.id), now.toISOString()],
      );
    }
    const views = inserted.map((h) => {
      const owner = owners.get(h.id) ?? null;
      return toHandoffView({ ...h, owner_id: owner?.id ?? null, assigned_at: owner ? now : null }, owner);
    });
    const eventIds = await recordDomainEvents(
      m,
      views.map((v) => ({ type: 'handoff.created', leadId: v.leadId, payload: v as unknown as Record<string, unknown>, occurredAt: now })),
    );
    return { views, eventIds: [...escalatedIds, ...eventIds] };
  }

  /**
   * Raises pending hand-offs to a request's higher priority (a lead in a medium hand-off asks for a quote:
   * sales must hear at once): the priority, and the SLA deadline if the new priority's is sooner (a deadline
   * already passed stays, with its breach). Announced as `handoff.escalated`. Returns the outbox event ids.
   */
  private async escalate(m: EntityManager, raise: { handoffId: string; request: HandoffRequest }[]): Promise<string[]> {
    if (!raise.length) return [];
    const now = this.clock.now();
    const due = deadlines(now, this.config);
    // (TypeORM answers a bare UPDATE … RETURNING with [rows, count]; wrapped in a CTE it returns the rows.)
    const raised: { id: string }[] = await m.query(
      `WITH raised AS (
         UPDATE handoffs h SET priority = c.priority, sla_due_at = LEAST(h.sla_due_at, c.due), updated_at = $4
           FROM unnest($1::uuid[], $2::text[], $3::timestamptz[]) AS c(id, priority, due)
          WHERE h.id = c.id AND h.status = 'pending'
          RETURNING h.id)
       SELECT id FROM raised`,
      [raise.map((r) => r.handoffId), raise.map((r) => r.request.priority), raise.map((r) => due(r.request.priority).toISOString()), now.toISOString()],
    );
    if (!raised.length) return [];
    const rows: HandoffWithOwnerRow[] = await m.query(`${HANDOFF_WITH_OWNER} WHERE h.id = ANY($1::uuid[]) ORDER BY h.lead_id`, [raised.map((r) => r.id)]);
    const byHandoff = new Map(raise.map((r) => [r.handoffId, r.request]));
    return recordDomainEvents(
      m,
      rows.map((row) => {
        const request = byHandoff.get(row.id)!;
        const escalation = { reason: request.reason, triggerEventId: request.triggerEventId, triggerEventType: request.triggerEventType };
        return { type: 'handoff.escalated', leadId: row.lead_id, payload: { ...viewWithOwner(row), escalation }, occurredAt: now };
      }),
    );
  }

  /**
   * Drops requests for leads that already have an open hand-off, that are gone or erased, or that are
   * disqualified; returns the rest with their leads' rows (read once, for the snapshots), and apart the
   * requests that outrank their lead's pending hand-off (to raise it).
   */
  private async withoutOpenHandoff(
    m: EntityManager,
    requests: HandoffRequest[],
  ): Promise<{ candidates: HandoffRequest[]; leads: LeadRow[]; raise: { handoffId: string; request: HandoffRequest }[] }> {
    if (!requests.length) return { candidates: [], leads: [], raise: [] };
    const rows: (LeadRow & { open_id: string | null; open_status: string | null; open_priority: HandoffPriority | null })[] = await m.query(
      `SELECT l.*, o.id AS open_id, o.status AS open_status, o.priority AS open_priority
         FROM leads l
         LEFT JOIN LATERAL (SELECT h.id, h.status, h.priority FROM handoffs h
                             WHERE h.lead_id = l.id AND h.status IN ('pending','accepted','opportunity') LIMIT 1) o ON true
        WHERE l.id = ANY($1::uuid[]) AND l.stage <> 'disqualified' AND l.erased_at IS NULL`,
      [requests.map((r) => r.leadId)],
    );
    const leads = rows.filter((r) => !r.open_id);
    const eligible = new Set(leads.map((r) => r.id));
    const pending = new Map(rows.filter((r) => r.open_status === 'pending').map((r) => [r.id, r]));
    const raise = requests.flatMap((request) => {
      const open = pending.get(request.leadId);
      return open && compareHandoffPriority(request.priority, open.open_priority!) < 0 ? [{ handoffId: open.open_id!, request }] : [];
    });
    return { candidates: requests.filter((r) => eligible.has(r.leadId)), leads, raise };
  }
}

/** One request per lead: the one of highest priority, the first of those. */
function highestPerLead(requests: HandoffRequest[]): HandoffRequest[] {
  const best = new Map<string, HandoffRequest>();
  for (const r of requests) {
    const seen = best.get(r.leadId);
    if (!seen || compareHandoffPriority(r.priority, seen.priority) < 0) best.set(r.leadId, r);
  }
  return requests.filter((r) => best.get(r.leadId) === r);
}
