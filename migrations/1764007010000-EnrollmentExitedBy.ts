import { MigrationInterface, QueryRunner } from 'typeorm';

/** Who ended an enrollment by hand (`api-key:<name>` of an unenroll through the API); null for every other ending. */
export class EnrollmentExitedBy1764007010000 implements MigrationInterface {
  name = 'EnrollmentExitedBy1764007010000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE enrollments ADD COLUMN exited_by text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE enrollments DROP COLUMN exited_by`);
  }
}
