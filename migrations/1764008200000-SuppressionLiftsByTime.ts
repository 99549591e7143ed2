import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `suppression_lifts_time` (lifted_at, id): GET /api/v1/suppressions/lifts lists lifts newest first, ties by id, and
 * pages by that key (optionally from `since` on); without it each page reads and sorts the whole table. (By entry, the
 * list uses suppression_lifts_hash.) The table is small and written rarely: built in its transaction.
 */
export class SuppressionLiftsByTime1764008200000 implements MigrationInterface {
  name = 'SuppressionLiftsByTime1764008200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX suppression_lifts_time ON suppression_lifts (lifted_at, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX suppression_lifts_time`);
  }
}
