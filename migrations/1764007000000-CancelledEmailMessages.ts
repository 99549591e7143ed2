import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An email message can be `cancelled`: taken back before it was sent because its enrollment ended by hand
 * (status_reason `unenrolled`). Like `suppressed`, it never reached the lead; unlike it, nothing forbids mailing
 * the lead. Down, cancelled messages become suppressed with their reason kept.
 */
export class CancelledEmailMessages1764007000000 implements MigrationInterface {
  name = 'CancelledEmailMessages1764007000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE email_messages
        DROP CONSTRAINT email_messages_status_check,
        ADD CONSTRAINT email_messages_status_check CHECK (status IN ('queued','sending','sent','failed','suppressed','held','cancelled'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE email_messages SET status = 'suppressed' WHERE status = 'cancelled'`);
    await q.query(`
      ALTER TABLE email_messages
        DROP CONSTRAINT email_messages_status_check,
        ADD CONSTRAINT email_messages_status_check CHECK (status IN ('queued','sending','sent','failed','suppressed','held'))`);
  }
}
