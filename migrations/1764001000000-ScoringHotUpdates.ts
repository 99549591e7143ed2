import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Scoring rewrites a lead's score columns for every scored batch. None of those columns is indexed,
 * so with free room on the page PostgreSQL can update in place (HOT) instead of adding an entry to
 * each of the five indexes on leads; a fill factor of 80 leaves that room on pages written from
 * now on (older pages gain it as vacuum frees space). The scoring queue is a churning work table:
 * vacuum it by row count rather than by a share of its (small) size, so dead rows don't pile up
 * in the indexes the claim reads.
 */
export class ScoringHotUpdates1764001000000 implements MigrationInterface {
  name = 'ScoringHotUpdates1764001000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE leads SET (fillfactor = 80)`);
    await q.query(`ALTER TABLE scoring_queue SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000, autovacuum_vacuum_cost_delay = 0)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE scoring_queue RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold, autovacuum_vacuum_cost_delay)`);
    await q.query(`ALTER TABLE leads RESET (fillfactor)`);
  }
}
