import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A replay (POST /api/v1/webhooks/{id}/deliveries/{deliveryId}/retry) is a delivery of its own: its own attempts,
 * log and retry schedule, with `replay_of` naming the delivery it replays and `message_id` the Standard Webhooks
 * message id it carries (the original's, so receivers de-duplicate it). Both are null for a delivery made from an
 * event, whose id is its message id. One original delivery per subscription and event stays the rule; replays
 * are beside it. A delivery still waiting when a replay takes over ends `cancelled`. The index on the event is for
 * the replay's look-up of its siblings and for erasure, which finds a lead's deliveries through its events.
 */
export class WebhookReplayDeliveries1764006100000 implements MigrationInterface {
  name = 'WebhookReplayDeliveries1764006100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE webhook_deliveries
        ADD COLUMN message_id uuid,
        ADD COLUMN replay_of uuid,
        ADD CONSTRAINT webhook_deliveries_replay_whole CHECK ((message_id IS NULL) = (replay_of IS NULL)),
        DROP CONSTRAINT webhook_deliveries_subscription_id_outbox_event_id_key,
        DROP CONSTRAINT webhook_deliveries_status_check,
        ADD CONSTRAINT webhook_deliveries_status_check CHECK (status IN ('pending','sending','failed','delivered','abandoned','cancelled'))`);
    await q.query(`CREATE UNIQUE INDEX webhook_deliveries_one_per_event ON webhook_deliveries (subscription_id, outbox_event_id) WHERE replay_of IS NULL`);
    await q.query(`CREATE INDEX webhook_deliveries_event ON webhook_deliveries (outbox_event_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM webhook_deliveries WHERE replay_of IS NOT NULL`);
    await q.query(`UPDATE webhook_deliveries SET status = 'abandoned' WHERE status = 'cancelled'`);
    await q.query(`DROP INDEX webhook_deliveries_event`);
    await q.query(`DROP INDEX webhook_deliveries_one_per_event`);
    await q.query(`
      ALTER TABLE webhook_deliveries
        DROP CONSTRAINT webhook_deliveries_status_check,
        ADD CONSTRAINT webhook_deliveries_status_check CHECK (status IN ('pending','sending','failed','delivered','abandoned')),
        ADD CONSTRAINT webhook_deliveries_subscription_id_outbox_event_id_key UNIQUE (subscription_id, outbox_event_id),
        DROP CONSTRAINT webhook_deliveries_replay_whole,
        DROP COLUMN replay_of,
        DROP COLUMN message_id`);
  }
}
