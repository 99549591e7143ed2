import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A lead a trigger or an API call asks a program to take while it may not be mailed (its address or the lead on
 * the suppression list, or its consent withdrawn) is no longer enrolled only to exit at its first step: it is
 * recorded as skipped, with the reason the enrollment would have exited with (unsubscribed, hard_bounce,
 * complaint, consent_withdrawn, erased, manual: the suppression list's reasons), beside goal_already_met.
 */
export class SuppressedEnrollmentSkips1764006200000 implements MigrationInterface {
  name = 'SuppressedEnrollmentSkips1764006200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE enrollment_skips DROP CONSTRAINT enrollment_skips_reason_check`);
    await q.query(`
      ALTER TABLE enrollment_skips ADD CONSTRAINT enrollment_skips_reason_check
        CHECK (reason IN ('goal_already_met', 'unsubscribed', 'hard_bounce', 'complaint', 'consent_withdrawn', 'erased', 'manual'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM enrollment_skips WHERE reason <> 'goal_already_met'`);
    await q.query(`ALTER TABLE enrollment_skips DROP CONSTRAINT enrollment_skips_reason_check`);
    await q.query(`ALTER TABLE enrollment_skips ADD CONSTRAINT enrollment_skips_reason_check CHECK (reason IN ('goal_already_met'))`);
  }
}
