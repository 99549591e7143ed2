import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Suppressions can be lifted (DELETE /api/v1/suppressions/…, or a fresh opt-in over an unsubscribe): the entry is
 * deleted, so every send and enrollment check finds the address clean again, and what was lifted, by whom, when
 * and why is kept in suppression_lifts.
 *
 * An erased lead's address must never be lifted, yet its entry keeps the reason it had before the erasure (an
 * unsubscribe stays `unsubscribed`) and loses its lead: `erased_at` now marks it. Entries written before this
 * migration cannot all be told apart from an address listed without a lead, so every entry without a lead that
 * existed when some lead was erased is marked too (its lead may have been that one): such an entry stays
 * for good rather than risk mailing an erased person.
 */
export class SuppressionLifts1764007200000 implements MigrationInterface {
  name = 'SuppressionLifts1764007200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE suppressions ADD COLUMN erased_at timestamptz`);
    await q.query(`UPDATE suppressions SET erased_at = created_at WHERE reason = 'erased'`);
    await q.query(`
      UPDATE suppressions s SET erased_at = e.erased_at
        FROM (SELECT max(erased_at) AS erased_at FROM leads WHERE erased_at IS NOT NULL) e
       WHERE s.erased_at IS NULL AND s.lead_id IS NULL AND s.created_at <= e.erased_at`);
    await q.query(`
      CREATE TABLE suppression_lifts (
        id uuid PRIMARY KEY,
        email_hash text NOT NULL,
        lead_id uuid REFERENCES leads(id) ON DELETE SET NULL,
        reason text NOT NULL,
        source text,
        suppressed_at timestamptz NOT NULL,
        lifted_at timestamptz NOT NULL,
        lifted_by text NOT NULL,
        note text
      )`);
    await q.query(`CREATE INDEX suppression_lifts_lead ON suppression_lifts (lead_id) WHERE lead_id IS NOT NULL`);
    await q.query(`CREATE INDEX suppression_lifts_hash ON suppression_lifts (email_hash, lifted_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE suppression_lifts`);
    await q.query(`ALTER TABLE suppressions DROP COLUMN erased_at`);
  }
}
