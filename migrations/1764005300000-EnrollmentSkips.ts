import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Leads a program did not take although its trigger (or an API call) asked it to, and why: for now only
 * `goal_already_met` (the lead already met the program's goal on entry, so the enrollment would have converted
 * at once and inflated "goal reached"). One row per program, lead and reason, counting the attempts, so a
 * segment trigger that matches the same lead on every activity keeps one row. Skips are not enrollments: they do
 * not count for the re-enrollment policy. Program stats count the leads per reason; the lead export lists them.
 */
export class EnrollmentSkips1764005300000 implements MigrationInterface {
  name = 'EnrollmentSkips1764005300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE enrollment_skips (
        program_id uuid NOT NULL REFERENCES programs(id) ON DELETE CASCADE,
        lead_id uuid NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
        reason text NOT NULL CHECK (reason IN ('goal_already_met')),
        -- The version whose goal was met and how the lead came, at the last attempt.
        program_version integer NOT NULL,
        via text NOT NULL,
        attempts integer NOT NULL DEFAULT 1,
        first_at timestamptz NOT NULL,
        last_at timestamptz NOT NULL,
        PRIMARY KEY (program_id, lead_id, reason)
      )`);
    // The lead export, and deleting a lead.
    await q.query(`CREATE INDEX enrollment_skips_lead ON enrollment_skips (lead_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS enrollment_skips`);
  }
}
