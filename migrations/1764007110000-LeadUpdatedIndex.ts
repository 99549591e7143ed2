import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `leads_updated` (updated_at, id): GET /leads?updatedSince= lists the leads changed since an instant, least recently
 * changed first, for CRMs that sync incrementally; without it every sync reads and sorts the whole table.
 * Scoring writes a lead for every scored batch and leaves updated_at alone unless the fit changed, so those updates
 * stay HOT (an indexed column that changes would add an entry to each of the lead's indexes).
 * Built CONCURRENTLY (outside a transaction), so leads keep being written meanwhile; a build left invalid by an
 * interrupted run is dropped and rebuilt.
 */
export class LeadUpdatedIndex1764007110000 implements MigrationInterface {
  name = 'LeadUpdatedIndex1764007110000';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS leads_updated`);
    await q.query(`CREATE INDEX CONCURRENTLY leads_updated ON leads (updated_at, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS leads_updated`);
  }
}
