import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The messages an operator lists by status (GET /email/messages?status=held, failed, …), newest first, without
 * reading every message ever sent. Only messages that stopped short of being sent are in it: the queued → sending
 * → sent path of every send never touches it (queued and sending ones are listed through email_messages_status).
 */
export class EmailMessagesAttentionIndex1764007020000 implements MigrationInterface {
  name = 'EmailMessagesAttentionIndex1764007020000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX email_messages_attention ON email_messages (status, created_at, id) WHERE status IN ('held','failed','suppressed','cancelled')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX email_messages_attention`);
  }
}
