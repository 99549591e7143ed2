import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { LeadRow } from '../leads/lead.types.js';
import { recordDomainEvents } from '../lifecycle/outbox.js';
import type { HandoffPriority } from './domain/index.js';
import { snapshotLocale, toHandoffView, type HandoffRow, type HandoffView } from './handoff.types.js';
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
}

/**
 * Creates hand-offs inside the caller's transaction (the outbox relay's): at most one open hand-off per
 * lead — the unique partial index decides, so a second MQL, a program request or a concurrent worker
 * creates nothing — an owner by weighted round robin, an SLA deadline in office time, and a
 * `handoff.created` event in the outbox for webhooks.
 */
@Injectable()
export class HandoffCreator {
  constructor(
    private readonly snapshots: HandoffSnapshotService,
    private readonly owners: OwnerAssignment,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The hand-offs created, and the ids of their `handoff.created` outbox events. */
  async create(m: EntityManager, requests: HandoffRequest[]): Promise<{ views: HandoffView[]; eventIds: string[] }> {
    const none = { views: [], eventIds: [] };
    const { candidates, leads } = await this.withoutOpenHandoff(m, firstPerLead(requests));
    if (!candidates.length) return none;
    const snapshots = await this.snapshots.take(m, leads);
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
      inserted.map((h) => ({ key: h.id, locale: snapshotLocale(h) })),
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
    return { views, eventIds };
  }

  /**
   * Drops requests for leads that already have an open hand-off, that are gone or erased, or that are
   * disqualified; returns the rest with their leads' rows (read once, for the snapshots).
   */
  private async withoutOpenHandoff(m: EntityManager, requests: HandoffRequest[]): Promise<{ candidates: HandoffRequest[]; leads: LeadRow[] }> {
    if (!requests.length) return { candidates: [], leads: [] };
    const rows: (LeadRow & { open_handoff: boolean })[] = await m.query(
      `SELECT l.*, EXISTS (SELECT 1 FROM handoffs h WHERE h.lead_id = l.id AND h.status IN ('pending','accepted','opportunity')) AS open_handoff
         FROM leads l WHERE l.id = ANY($1::uuid[]) AND l.stage <> 'disqualified' AND l.erased_at IS NULL`,
      [requests.map((r) => r.leadId)],
    );
    const leads = rows.filter((r) => !r.open_handoff);
    const eligible = new Set(leads.map((r) => r.id));
    return { candidates: requests.filter((r) => eligible.has(r.leadId)), leads };
  }
}

function firstPerLead(requests: HandoffRequest[]): HandoffRequest[] {
  const seen = new Set<string>();
  return requests.filter((r) => !seen.has(r.leadId) && seen.add(r.leadId));
}
