import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Email delivery: when a queued message is next due (retries with backoff, and the sweep that finds
 * messages whose job was lost), a subject chosen per send, the default locale of each immutable template version, the indexes the
 * delivery sweeps use, and the development mailbox (used when SMTP_URL is unset).
 */
export class EmailDelivery1764000200000 implements MigrationInterface {
  name = 'EmailDelivery1764000200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE email_messages ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now()`);
    // A subject the sender of a nurture email chose instead of the template's (A/B tests); `subject` is what was sent.
    await q.query(`ALTER TABLE email_messages ADD COLUMN subject_override text`);
    await q.query(`CREATE INDEX email_messages_queued_due ON email_messages (next_attempt_at) WHERE status = 'queued'`);
    await q.query(`CREATE INDEX email_messages_sending_since ON email_messages (sending_at) WHERE status = 'sending'`);
    await q.query(`ALTER TABLE template_versions ADD COLUMN default_locale text`);
    await q.query(`CREATE INDEX templates_created ON templates (created_at, id)`);
    // Every process shares the development mailbox, so it lives in PostgreSQL, raw MIME included.
    await q.query(`
      CREATE TABLE dev_mailbox (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        message_id uuid,
        to_address text NOT NULL,
        from_address text NOT NULL,
        subject text NOT NULL,
        html text NOT NULL,
        text text NOT NULL,
        raw text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX dev_mailbox_created ON dev_mailbox (created_at DESC, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS dev_mailbox`);
    await q.query(`DROP INDEX IF EXISTS templates_created`);
    await q.query(`ALTER TABLE template_versions DROP COLUMN IF EXISTS default_locale`);
    await q.query(`DROP INDEX IF EXISTS email_messages_sending_since`);
    await q.query(`DROP INDEX IF EXISTS email_messages_queued_due`);
    await q.query(`ALTER TABLE email_messages DROP COLUMN IF EXISTS subject_override`);
    await q.query(`ALTER TABLE email_messages DROP COLUMN IF EXISTS next_attempt_at`);
  }
}
