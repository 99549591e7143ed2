import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Signing-secret rotation for webhook subscriptions (POST /api/v1/webhooks/{id}/rotate-secret). The secret a
 * rotation replaced is kept, encrypted like the current one (bound to the subscription id), only until its
 * grace ends: deliveries sent before then carry a signature with each secret. The two previous-secret columns
 * are set and cleared together. `secret_rotated_at` is when the current secret was issued by a rotation (null:
 * the secret from creation).
 */
export class WebhookSecretRotation1764005200000 implements MigrationInterface {
  name = 'WebhookSecretRotation1764005200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE webhook_subscriptions
        ADD COLUMN previous_secret_encrypted text,
        ADD COLUMN previous_secret_expires_at timestamptz,
        ADD COLUMN secret_rotated_at timestamptz,
        ADD CONSTRAINT webhook_subscriptions_previous_secret_whole
          CHECK ((previous_secret_encrypted IS NULL) = (previous_secret_expires_at IS NULL))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE webhook_subscriptions
        DROP CONSTRAINT webhook_subscriptions_previous_secret_whole,
        DROP COLUMN secret_rotated_at,
        DROP COLUMN previous_secret_expires_at,
        DROP COLUMN previous_secret_encrypted`);
  }
}
