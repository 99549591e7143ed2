import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `leads_mql_since` (mql_at, id) over MQLs that were not erased: the went-cold sweep (MqlColdSweep) pages through the
 * MQLs that became MQL before its cutoff, oldest first, without reading any other lead. Its columns change only with
 * a stage change (which already rewrites the indexed stage) or erasure, so scoring's updates of a lead stay HOT.
 * Built CONCURRENTLY (outside a transaction), so leads keep being written meanwhile; a build left invalid by an
 * interrupted run is dropped and rebuilt.
 */
export class ColdMqlIndex1764008010000 implements MigrationInterface {
  name = 'ColdMqlIndex1764008010000';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS leads_mql_since`);
    await q.query(`CREATE INDEX CONCURRENTLY leads_mql_since ON leads (mql_at, id) WHERE stage = 'mql' AND erased_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS leads_mql_since`);
  }
}
