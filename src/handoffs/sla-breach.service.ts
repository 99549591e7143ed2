import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { recordDomainEvents } from '../lifecycle/outbox.js';
import { HANDOFF_WITH_OWNER, snapshotCountry, snapshotLocale, viewWithOwner, type HandoffRow, type HandoffWithOwnerRow } from './handoff.types.js';
import { moveOwners, OwnerAssignment } from './owner-assignment.js';
import { deadlines } from './sla-deadlines.js';

const BATCH = 200;

/**
 * Flags pending hand-offs whose SLA deadline passed (strictly before now: at the deadline instant an answer is still
 * in time, as slaBreached and analytics' slaCompliance read it), each deadline exactly once: the UPDATE only takes
 * rows not flagged yet, locked with SKIP LOCKED, so several workers never flag (or announce) one twice.
 * Each breach goes to the outbox as `handoff.sla_breached` (webhooks). With SLA_REASSIGN the hand-off
 * moves to the next rep by round robin with a fresh deadline, which is then watched in its turn.
 */
@Injectable()
export class SlaBreachService {
  constructor(
    private readonly db: DataSource,
    private readonly owners: OwnerAssignment,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Flags every missed deadline; returns how many hand-offs were flagged. */
  async flagMissed(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.db.transaction((m) => this.flagBatch(m));
      total += n;
      if (n < BATCH) return total;
    }
  }

  private async flagBatch(m: EntityManager): Promise<number> {
    const now = this.clock.now();
    const breached: HandoffRow[] = await m.query(
      `WITH due AS (
         SELECT id FROM handoffs WHERE status = 'pending' AND breached_at IS NULL AND sla_due_at < $1
          ORDER BY sla_due_at LIMIT $2 FOR UPDATE SKIP LOCKED),
       u AS (
         UPDATE handoffs h SET breached_at = $1, breach_count = h.breach_count + 1, updated_at = $1
           FROM due WHERE h.id = due.id RETURNING h.*)
       SELECT * FROM u ORDER BY sla_due_at, id`,
      [now.toISOString(), BATCH],
    );
    if (!breached.length) return 0;
    const reassigned = this.config.handoffs.slaReassign ? await this.reassign(m, breached, now) : new Set<string>();
    const rows: HandoffWithOwnerRow[] = await m.query(`${HANDOFF_WITH_OWNER} WHERE h.id = ANY($1::uuid[])`, [breached.map((h) => h.id)]);
    const byId = new Map(rows.map((r) => [r.id, r]));
    await recordDomainEvents(
      m,
      breached.map((h) => {
        const view = viewWithOwner(byId.get(h.id)!);
        const breach = {
          missedDeadline: h.sla_due_at.toISOString(),
          breachedAt: now.toISOString(),
          previousOwnerId: h.owner_id,
          reassigned: reassigned.has(h.id),
        };
        return { type: 'handoff.sla_breached', leadId: h.lead_id, payload: { ...view, breach }, occurredAt: now };
      }),
    );
    return breached.length;
  }

  /** Gives each breached hand-off to another rep (when there is one) with a new deadline from now. */
  private async reassign(m: EntityManager, breached: HandoffRow[], now: Date): Promise<Set<string>> {
    const owners = await this.owners.assign(
      m,
      breached.map((h) => ({ key: h.id, locale: snapshotLocale(h), country: snapshotCountry(h), notOwner: h.owner_id })),
    );
    const moved = breached.filter((h) => {
      const owner = owners.get(h.id);
      return owner && owner.id !== h.owner_id;
    });
    const due = deadlines(now, this.config);
    await moveOwners(m, moved.map((h) => ({ id: h.id, ownerId: owners.get(h.id)!.id, slaDueAt: due(h.priority) })), now);
    return new Set(moved.map((h) => h.id));
  }
}
