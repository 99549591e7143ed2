import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { snapshotCountry, snapshotLocale, type HandoffRow } from './handoff.types.js';
import { OwnerAssignment, reassignOwners } from './owner-assignment.js';
import { deadlines } from './sla-deadlines.js';

const BATCH = 200;

/** Who the SLA watch's sweep records as having moved a hand-off (the sales-reps API records the API key). */
export const REHOMING_ACTOR = 'system:handoff-rehoming';

/**
 * Gives pending hand-offs that no active rep answers for to the active reps: one whose owner was deactivated, and one
 * made while no rep took hand-offs (no owner). They are shared by the same weighted round robin, territory and language matching
 * as new hand-offs (most urgent first), each with a fresh SLA deadline from now, its breach flag cleared, as a
 * reassignment by hand gives it, and announced as `handoff.reassigned` (reason `owner_inactive` or `unowned`).
 * Accepted hand-offs stay with their rep; a rep of weight 0 keeps theirs. With no active rep of positive weight
 * nothing moves: the hand-offs wait for one.
 *
 * Runs when the team changes (in that transaction, which holds the team's locks) and on every SLA sweep. Hand-offs are
 * locked with SKIP LOCKED: one being answered or moved elsewhere meanwhile is left to that transaction (a later sweep
 * takes it if it is still pending without an active owner), and taking the hand-offs after the team never deadlocks
 * with the paths that lock a hand-off and then the team (creation, reassignment, the SLA watch).
 */
@Injectable()
export class HandoffRehoming {
  constructor(
    private readonly db: DataSource,
    private readonly owners: OwnerAssignment,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** In the caller's transaction; returns how many hand-offs moved. */
  rehome(m: EntityManager, by: string): Promise<number> {
    return untilShort(() => this.batch(m, by));
  }

  /** Batch by batch, each in a transaction of its own (the SLA sweep); returns how many hand-offs moved. */
  rehomeAll(by = REHOMING_ACTOR): Promise<number> {
    return untilShort(() => this.db.transaction((m) => this.batch(m, by)));
  }

  private async batch(m: EntityManager, by: string): Promise<number> {
    const now = this.clock.now();
    const waiting: HandoffRow[] = await m.query(
      `SELECT h.* FROM handoffs h
        WHERE h.status = 'pending'
          AND (h.owner_id IS NULL OR h.owner_id IN (SELECT id FROM sales_reps WHERE NOT active))
          AND EXISTS (SELECT 1 FROM sales_reps WHERE active AND weight > 0)
        ORDER BY h.sla_due_at, h.id LIMIT $1
        FOR UPDATE OF h SKIP LOCKED`,
      [BATCH],
    );
    if (!waiting.length) return 0;
    const owners = await this.owners.assign(
      m,
      waiting.map((h) => ({ key: h.id, locale: snapshotLocale(h), country: snapshotCountry(h) })),
    );
    const due = deadlines(now, this.config);
    const moves = waiting.flatMap((h) => {
      const owner = owners.get(h.id);
      if (!owner) return [];
      const reason = h.owner_id ? ('owner_inactive' as const) : ('unowned' as const);
      return [{ id: h.id, ownerId: owner.id, slaDueAt: due(h.priority), leadId: h.lead_id, previousOwnerId: h.owner_id, reason, note: null }];
    });
    await reassignOwners(m, moves, by, now);
    return moves.length;
  }
}

/** Runs batches until one moves fewer than a full batch; the total moved. */
async function untilShort(batch: () => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await batch();
    total += n;
    if (n < BATCH) return total;
  }
}
