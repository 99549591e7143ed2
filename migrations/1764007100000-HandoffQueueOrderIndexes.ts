import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The hand-off queue reads most urgent first (GET /handoffs sorts by SLA deadline by default):
 * - `handoffs_pending_due` (sla_due_at, id) of pending hand-offs: the team's queue (`status=pending`, `status=breached`),
 *   which would otherwise pass every closed hand-off with an earlier deadline before reaching the open ones;
 * - `handoffs_owner_pending_due` (owner_id, sla_due_at, id) of pending hand-offs: a rep's own queue, and the pending
 *   hand-offs without an owner or with a deactivated one that are given to the active reps (handoff-rehoming);
 * - `handoffs_due` (sla_due_at, id): the other lists by deadline.
 * Built CONCURRENTLY (outside a transaction), so hand-offs keep being written meanwhile; a build left invalid by an
 * interrupted run is dropped and rebuilt.
 */
export class HandoffQueueOrderIndexes1764007100000 implements MigrationInterface {
  name = 'HandoffQueueOrderIndexes1764007100000';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    for (const [name, definition] of INDEXES) {
      await q.query(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`);
      await q.query(`CREATE INDEX CONCURRENTLY ${name} ON handoffs ${definition}`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [name] of INDEXES) await q.query(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`);
  }
}

const INDEXES: [string, string][] = [
  ['handoffs_pending_due', `(sla_due_at, id) WHERE status = 'pending'`],
  ['handoffs_owner_pending_due', `(owner_id, sla_due_at, id) WHERE status = 'pending'`],
  ['handoffs_due', '(sla_due_at, id)'],
];
