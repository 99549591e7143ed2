import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Retention of the webhook log (WEBHOOK_LOG_RETENTION_DAYS): the sweep finds finished deliveries by when they
 * finished (their last change), and relayed outbox events by when they were relayed, oldest first, without
 * reading the rows still at work.
 */
export class WebhookLogRetention1764006120000 implements MigrationInterface {
  name = 'WebhookLogRetention1764006120000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (updated_at) WHERE status IN ('delivered','abandoned','cancelled')`);
    await q.query(`CREATE INDEX outbox_published ON outbox_events (published_at) WHERE published_at IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX outbox_published`);
    await q.query(`DROP INDEX webhook_deliveries_finished`);
  }
}
