import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
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

  async create(m: EntityManager, requests: HandoffRequest[]): Promise<HandoffView[]> {
    const candidates = await this.withoutOpenHandoff(m, firstPerLead(requests));
    if (!candidates.length) return [];
    const snapshots = await this.snapshots.take(candidates.map((r) => r.leadId));
    const now = this.clock.now();
    const due = deadlines(now, this.config);
    // Sorted by lead, so two workers inserting overlapping leads wait on each other instead of deadlocking.
    const rows = candidates
      .filter((r) => snapshots.has(r.leadId))
      .sort((a, b) => (a.leadId < b.leadId ? -1 : 1))
      .map((r) => ({ ...r, snapshot: snapshots.get(r.leadId)!, slaDueAt: due(r.priority) }));
    if (!rows.length) return [];
    const inserted: HandoffRow[] = await m.query(
      `INSERT INTO handoffs (lead_id, priority, reason, trigger_event_id, trigger_event_type, outbox_event_id, program_id, enrollment_id, step_id,
                             snapshot, sla_due_at, created_at, updated_at)
       SELECT * FROM (
         SELECT l, p, r, te, tt, o, pr, en, st, sn, due, $12::timestamptz, $12::timestamptz
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::text[], $6::uuid[], $7::uuid[], $8::uuid[], $9::text[], $10::jsonb[], $11::timestamptz[])
             AS x(l, p, r, te, tt, o, pr, en, st, sn, due)
          ORDER BY l) ordered
       ON CONFLICT (lead_id) WHERE status IN ('pending','accepted','opportunity') DO NOTHING
       RETURNING *`,
      [
        rows.map((r) => r.leadId),
        rows.map((r) => r.priority),
        rows.map((r) => r.reason),
        rows.map((r) => r.triggerEventId),
        rows.map((r) => r.triggerEventType),
        rows.map((r) => r.outboxEventId),
        rows.map((r) => r.programId),
        rows.map((r) => r.enrollmentId),
        rows.map((r) => r.stepId),
        rows.map((r) => JSON.stringify(r.snapshot)),
        rows.map((r) => r.slaDueAt.toISOString()),
        now.toISOString(),
      ],
    );
    if (!inserted.length) return [];
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
    await recordDomainEvents(
      m,
      views.map((v) => ({ type: 'handoff.created', leadId: v.leadId, payload: v as unknown as Record<string, unknown>, occurredAt: now })),
    );
    return views;
  }

  /** Drops requests for leads that already have an open hand-off, that are gone or erased, or that are disqualified. */
  private async withoutOpenHandoff(m: EntityManager, requests: HandoffRequest[]): Promise<HandoffRequest[]> {
    if (!requests.length) return [];
    const rows: { id: string; open: boolean }[] = await m.query(
      `SELECT l.id, EXISTS (SELECT 1 FROM handoffs h WHERE h.lead_id = l.id AND h.status IN ('pending','accepted','opportunity')) AS open
         FROM leads l WHERE l.id = ANY($1::uuid[]) AND l.stage <> 'disqualified' AND l.erased_at IS NULL`,
      [requests.map((r) => r.leadId)],
    );
    const eligible = new Set(rows.filter((r) => !r.open).map((r) => r.id));
    return requests.filter((r) => eligible.has(r.leadId));
  }
}

function firstPerLead(requests: HandoffRequest[]): HandoffRequest[] {
  const seen = new Set<string>();
  return requests.filter((r) => !seen.has(r.leadId) && seen.add(r.leadId));
}
