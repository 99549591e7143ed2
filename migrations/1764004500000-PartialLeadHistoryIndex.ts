import { MigrationInterface, QueryRunner } from 'typeorm';
import { LEADS_DELETE_ENROLLMENTS_BODY as PREVIOUS_BODY } from './1764003200000-SetBasedEnrollmentForeignKeys.js';

/**
 * enrollments_lead_history (lead_id, program_id, enrolled_at) covers finished enrollments only
 * (`WHERE status <> 'active'`). Every scheduler step updates its active enrollment's next_run_at, an
 * indexed column, so the update is never HOT and adds an entry to each index of the table: one index
 * fewer for active rows is one insertion fewer per step. Active enrollments by lead are found through
 * enrollments_one_active (lead_id, program_id) WHERE status = 'active'.
 *
 * A lookup by lead with no condition on status can use neither partial index, so readers name both
 * parts (`status = 'active' OR status <> 'active'`, a BitmapOr over the two indexes). The cascade of a
 * deleted lead (leads_delete_enrollments, 1764003200000) joined the transition table on lead_id, which
 * the planner cannot split over the two indexes: it now deletes by the array of the deleted ids, as the
 * reference checks of 1764004300000 read theirs (a kept plan cannot turn into a scan of every enrollment).
 *
 * Built CONCURRENTLY (outside a transaction) so that the scheduler keeps writing while the index is built;
 * a build left invalid by an interrupted run is dropped and rebuilt. The function is replaced before the
 * full index goes, so a lead deleted meanwhile always finds its enrollments through an index.
 */
export class PartialLeadHistoryIndex1764004500000 implements MigrationInterface {
  name = 'PartialLeadHistoryIndex1764004500000';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS enrollments_lead_history_finished`);
    await q.query(`CREATE INDEX CONCURRENTLY enrollments_lead_history_finished ON enrollments (lead_id, program_id, enrolled_at) WHERE status <> 'active'`);
    await q.query(`CREATE OR REPLACE FUNCTION leads_delete_enrollments() ${LEADS_DELETE_ENROLLMENTS_BODY}`);
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS enrollments_lead_history`);
    await q.query(`ALTER INDEX enrollments_lead_history_finished RENAME TO enrollments_lead_history`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS enrollments_lead_history_all`);
    await q.query(`CREATE INDEX CONCURRENTLY enrollments_lead_history_all ON enrollments (lead_id, program_id, enrolled_at)`);
    await q.query(`CREATE OR REPLACE FUNCTION leads_delete_enrollments() ${PREVIOUS_BODY}`);
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS enrollments_lead_history`);
    await q.query(`ALTER INDEX enrollments_lead_history_all RENAME TO enrollments_lead_history`);
  }
}

/** Deletes the deleted leads' enrollments, active ones and finished ones each through their index. */
export const LEADS_DELETE_ENROLLMENTS_BODY = `RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        gone uuid[] := ARRAY(SELECT id FROM old_leads);
      BEGIN
        DELETE FROM enrollments e WHERE e.lead_id = ANY(gone) AND (e.status = 'active' OR e.status <> 'active');
        RETURN NULL;
      END $$`;
