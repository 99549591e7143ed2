import { MigrationInterface, QueryRunner } from 'typeorm';

/** GDPR erasure marker on leads and an audit log that records who did what without personal data. */
export class PrivacyAudit1764000600000 implements MigrationInterface {
  name = 'PrivacyAudit1764000600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE leads ADD COLUMN erased_at timestamptz`);
    await q.query(`
      CREATE TABLE audit_log (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        action text NOT NULL,
        subject_type text NOT NULL,
        subject_id uuid NOT NULL,
        actor text NOT NULL,
        detail jsonb NOT NULL DEFAULT '{}'::jsonb,
        at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX audit_log_subject ON audit_log (subject_type, subject_id, at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_log`);
    await q.query(`ALTER TABLE leads DROP COLUMN erased_at`);
  }
}
