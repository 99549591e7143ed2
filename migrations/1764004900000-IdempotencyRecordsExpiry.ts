import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An index of idempotency records by age: keys are remembered for a day (IDEMPOTENCY_KEY_TTL_MS), and a
 * worker deletes older records in batches (IdempotencyExpiryCron), oldest first. Built CONCURRENTLY, as
 * 1764004110000, so upgrading a busy API does not block its writes.
 */
export class IdempotencyRecordsExpiry1764004900000 implements MigrationInterface {
  name = 'IdempotencyRecordsExpiry1764004900000';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS idempotency_records_created`);
    await q.query(`CREATE INDEX CONCURRENTLY idempotency_records_created ON idempotency_records (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS idempotency_records_created`);
  }
}
