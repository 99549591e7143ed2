import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Responses of POST /api/v1/webhooks remembered for an Idempotency-Key held the subscription's signing secret
 * in clear (for a day). They are now stored without it and a replay reads it back from the encrypted column
 * (IdempotentReplayWithoutSecret); this takes it out of the records stored before.
 */
export class ScrubStoredWebhookSecrets1764005000000 implements MigrationInterface {
  name = 'ScrubStoredWebhookSecrets1764005000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE idempotency_records SET response = response - 'secret' WHERE scope LIKE '% POST /api/v1/webhooks' AND response ? 'secret'`);
  }

  async down(): Promise<void> {
    // Nothing to put back: the secrets stay in their encrypted column.
  }
}
