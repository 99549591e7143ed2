import { MigrationInterface, QueryRunner } from 'typeorm';

const OLD_REASONS = `'unsubscribed', 'hard_bounce', 'complaint', 'consent_withdrawn', 'erased', 'manual'`;
const NEW_REASONS = `${OLD_REASONS}, 'soft_bounces'`;

/**
 * Repeated soft bounces suppress an address (reason `soft_bounces`): the suppression list and the enrollment skips
 * that carry its reasons accept it, and the soft bounces of an address are found by its key (email_bounces.email_hash,
 * the salted hash the list uses) and time, for the rule's count over the last SOFT_BOUNCE_WINDOW_DAYS.
 * Down keeps such addresses suppressed, as `manual` entries, rather than mail them again.
 */
export class SoftBounceSuppression1764008100000 implements MigrationInterface {
  name = 'SoftBounceSuppression1764008100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE suppressions DROP CONSTRAINT suppressions_reason_check`);
    await q.query(`ALTER TABLE suppressions ADD CONSTRAINT suppressions_reason_check CHECK (reason IN (${NEW_REASONS}))`);
    await q.query(`ALTER TABLE enrollment_skips DROP CONSTRAINT enrollment_skips_reason_check`);
    await q.query(`ALTER TABLE enrollment_skips ADD CONSTRAINT enrollment_skips_reason_check CHECK (reason IN ('goal_already_met', ${NEW_REASONS}))`);
    await q.query(`CREATE INDEX email_bounces_soft_address ON email_bounces (email_hash, received_at) WHERE type = 'soft'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS email_bounces_soft_address`);
    await q.query(`UPDATE enrollment_skips SET reason = 'manual' WHERE reason = 'soft_bounces'`);
    await q.query(`ALTER TABLE enrollment_skips DROP CONSTRAINT enrollment_skips_reason_check`);
    await q.query(`ALTER TABLE enrollment_skips ADD CONSTRAINT enrollment_skips_reason_check CHECK (reason IN ('goal_already_met', ${OLD_REASONS}))`);
    await q.query(`UPDATE suppressions SET reason = 'manual' WHERE reason = 'soft_bounces'`);
    await q.query(`ALTER TABLE suppressions DROP CONSTRAINT suppressions_reason_check`);
    await q.query(`ALTER TABLE suppressions ADD CONSTRAINT suppressions_reason_check CHECK (reason IN (${OLD_REASONS}))`);
  }
}
