import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tracking and suppression intake: bounce and complaint reports from the mail relay, when each open/click
 * reached PostgreSQL (to watch the tracking buffer's lag), and the indexes the suppression list and its checks use.
 */
export class TrackingAndBounces1764000300000 implements MigrationInterface {
  name = 'TrackingAndBounces1764000300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE email_bounces (
        id uuid PRIMARY KEY,
        message_id uuid REFERENCES email_messages(id) ON DELETE SET NULL,
        lead_id uuid REFERENCES leads(id) ON DELETE SET NULL,
        email_hash text,
        type text NOT NULL CHECK (type IN ('hard','soft','complaint')),
        reason text,
        received_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX email_bounces_lead ON email_bounces (lead_id, received_at)`);
    await q.query(`CREATE INDEX email_bounces_message ON email_bounces (message_id)`);
    // occurred_at is when the request arrived; stored_at when the worker wrote it (the buffer's lag is the difference).
    await q.query(`ALTER TABLE email_interactions ADD COLUMN stored_at timestamptz NOT NULL DEFAULT clock_timestamp()`);
    await q.query(`CREATE INDEX suppressions_lead ON suppressions (lead_id)`);
    await q.query(`CREATE INDEX suppressions_created ON suppressions (created_at, email_hash)`);
    await q.query(`CREATE INDEX suppressions_reason_created ON suppressions (reason, created_at, email_hash)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS suppressions_reason_created`);
    await q.query(`DROP INDEX IF EXISTS suppressions_created`);
    await q.query(`DROP INDEX IF EXISTS suppressions_lead`);
    await q.query(`ALTER TABLE email_interactions DROP COLUMN IF EXISTS stored_at`);
    await q.query(`DROP TABLE IF EXISTS email_bounces`);
  }
}
