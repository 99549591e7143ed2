import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Hand-off status `expired`: sales never took the hand-off up and its lead went cold (MQL_COLD_AFTER_DAYS without
 * engagement), so the system recycled the lead and closed the hand-off. Like rejected, won and lost it is not open,
 * so the lead gets a new hand-off when it qualifies again. Down turns expired hand-offs into rejected ones (reason
 * other), the closest status the old constraint allows.
 */
export class ExpiredHandoffs1764008000000 implements MigrationInterface {
  name = 'ExpiredHandoffs1764008000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE handoffs DROP CONSTRAINT handoffs_status_check`);
    await q.query(
      `ALTER TABLE handoffs ADD CONSTRAINT handoffs_status_check CHECK (status IN ('pending','accepted','rejected','opportunity','won','lost','expired'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE handoffs SET status = 'rejected', reject_reason = 'other' WHERE status = 'expired'`);
    await q.query(`ALTER TABLE handoffs DROP CONSTRAINT handoffs_status_check`);
    await q.query(`ALTER TABLE handoffs ADD CONSTRAINT handoffs_status_check CHECK (status IN ('pending','accepted','rejected','opportunity','won','lost'))`);
  }
}
