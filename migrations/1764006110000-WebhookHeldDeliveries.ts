import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A paused webhook holds its deliveries instead of abandoning them: `held` deliveries (the ones waiting when it
 * was paused, and those of events while it is paused) are neither attempted nor dropped, and go out in the order
 * their events occurred once it is resumed. `paused_at` tells a pause (by a user) from a disabling (for failing).
 * A deleted webhook is kept as a tombstone (`deleted_at`, its secrets wiped) so its deliveries can end as
 * `cancelled` and stay in the log, and in a lead's export, until the retention sweep deletes them. Subscriptions
 * paused through the API before this change count as paused from when they were.
 */
export class WebhookHeldDeliveries1764006110000 implements MigrationInterface {
  name = 'WebhookHeldDeliveries1764006110000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE webhook_subscriptions ADD COLUMN paused_at timestamptz, ADD COLUMN deleted_at timestamptz`);
    await q.query(`UPDATE webhook_subscriptions SET paused_at = disabled_at WHERE NOT active AND disabled_reason = 'paused through the API'`);
    await q.query(`
      ALTER TABLE webhook_deliveries
        DROP CONSTRAINT webhook_deliveries_status_check,
        ADD CONSTRAINT webhook_deliveries_status_check CHECK (status IN ('pending','held','sending','failed','delivered','abandoned','cancelled'))`);
    // The held deliveries of a webhook in the order they go out on resume.
    await q.query(`CREATE INDEX webhook_deliveries_held ON webhook_deliveries (subscription_id, occurred_at, created_at, id) WHERE status = 'held'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX webhook_deliveries_held`);
    await q.query(`UPDATE webhook_deliveries SET status = 'abandoned', next_attempt_at = NULL WHERE status = 'held'`);
    await q.query(`
      ALTER TABLE webhook_deliveries
        DROP CONSTRAINT webhook_deliveries_status_check,
        ADD CONSTRAINT webhook_deliveries_status_check CHECK (status IN ('pending','sending','failed','delivered','abandoned','cancelled'))`);
    await q.query(`DELETE FROM webhook_subscriptions WHERE deleted_at IS NOT NULL`);
    await q.query(`ALTER TABLE webhook_subscriptions DROP COLUMN deleted_at, DROP COLUMN paused_at`);
  }
}
