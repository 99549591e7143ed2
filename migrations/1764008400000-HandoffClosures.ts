import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When and why the system closed a hand-off still waiting for sales (closed_at, close_reason; see
 * src/handoffs/domain/closure.ts): went_cold (expired), disqualified or customer (the lead set by hand), erased
 * (GDPR). Both are set together or not at all; sales' own answers leave them null. Existing closures are filled in
 * from what they left: an expired hand-off (at its last update), one rejected by gdpr-erasure, and one rejected with the
 * note the manual stage move wrote (`lead set to <stage>: …`; erasure clears notes, so a lead set by hand and later
 * erased is not recognised). The funnel's hand-off triggers do not watch these columns.
 */
export class HandoffClosures1764008400000 implements MigrationInterface {
  name = 'HandoffClosures1764008400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE handoffs ADD COLUMN closed_at timestamptz, ADD COLUMN close_reason text`);
    await q.query(`UPDATE handoffs SET closed_at = updated_at, close_reason = 'went_cold' WHERE status = 'expired'`);
    await q.query(
      `UPDATE handoffs SET closed_at = responded_at, close_reason = 'erased' WHERE status = 'rejected' AND responded_by = 'gdpr-erasure' AND responded_at IS NOT NULL`,
    );
    await q.query(
      `UPDATE handoffs SET closed_at = responded_at, close_reason = substring(note FROM '^lead set to (disqualified|customer): ')
        WHERE status = 'rejected' AND close_reason IS NULL AND responded_at IS NOT NULL AND note ~ '^lead set to (disqualified|customer): '`,
    );
    await q.query(
      `ALTER TABLE handoffs ADD CONSTRAINT handoffs_close_reason_check CHECK (close_reason IN ('went_cold', 'disqualified', 'customer', 'erased')),
                            ADD CONSTRAINT handoffs_closed_check CHECK ((closed_at IS NULL) = (close_reason IS NULL))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE handoffs DROP CONSTRAINT handoffs_closed_check, DROP CONSTRAINT handoffs_close_reason_check`);
    await q.query(`ALTER TABLE handoffs DROP COLUMN close_reason, DROP COLUMN closed_at`);
  }
}
