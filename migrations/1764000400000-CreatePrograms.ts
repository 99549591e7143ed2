import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Nurture programs: drafts with immutable published versions, enrollments (the scheduler's work
 * list, claimed by next_run_at) and step runs (one row per executed step visit: the idempotency key).
 */
export class CreatePrograms1764000400000 implements MigrationInterface {
  name = 'CreatePrograms1764000400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE programs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft','active','paused','archived')),
        draft jsonb NOT NULL,
        current_version integer,
        starter text UNIQUE,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        archived_at timestamptz
      )`);
    await q.query(`CREATE INDEX programs_created ON programs (created_at, id)`);

    await q.query(`
      CREATE TABLE program_versions (
        program_id uuid NOT NULL REFERENCES programs(id) ON DELETE CASCADE,
        version integer NOT NULL,
        definition jsonb NOT NULL,
        published_at timestamptz NOT NULL,
        published_by text NOT NULL,
        PRIMARY KEY (program_id, version)
      )`);

    await q.query(`
      CREATE TABLE enrollments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        program_id uuid NOT NULL,
        program_version integer NOT NULL,
        lead_id uuid NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active','completed','converted','exited')),
        exit_reason text,
        via text NOT NULL,
        current_step_id text NOT NULL,
        step_visit integer NOT NULL DEFAULT 1,
        visits jsonb NOT NULL,
        next_run_at timestamptz,
        waiting_for jsonb,
        variants jsonb NOT NULL DEFAULT '{}'::jsonb,
        enrolled_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        finished_at timestamptz,
        -- A step that keeps failing (a bug, a missing template) is retried with backoff, never in a tight loop.
        failures integer NOT NULL DEFAULT 0,
        last_error text,
        FOREIGN KEY (program_id, program_version) REFERENCES program_versions(program_id, version) ON DELETE CASCADE
      )`);
    // At most one active enrollment per lead and program; also how the activity listener finds a lead's enrollments.
    await q.query(`CREATE UNIQUE INDEX enrollments_one_active ON enrollments (lead_id, program_id) WHERE status = 'active'`);
    // The scheduler's claim: due active enrollments in due order.
    await q.query(`CREATE INDEX enrollments_due ON enrollments (next_run_at) WHERE status = 'active'`);
    // Re-enrollment policy: the lead's earlier enrollments in a program.
    await q.query(`CREATE INDEX enrollments_lead_history ON enrollments (lead_id, program_id, enrolled_at)`);
    await q.query(`CREATE INDEX enrollments_program ON enrollments (program_id, enrolled_at, id)`);

    await q.query(`
      CREATE TABLE step_runs (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        enrollment_id uuid NOT NULL REFERENCES enrollments(id) ON DELETE CASCADE,
        step_id text NOT NULL,
        visit integer NOT NULL,
        outcome text NOT NULL,
        detail jsonb NOT NULL DEFAULT '{}'::jsonb,
        ran_at timestamptz NOT NULL,
        UNIQUE (enrollment_id, step_id, visit)
      )`);

    // Segment conditions compare dates; a malformed value must compare as "unknown", not fail the query.
    await q.query(`
      CREATE FUNCTION program_try_timestamptz(value text) RETURNS timestamptz LANGUAGE plpgsql STABLE AS $$
      BEGIN
        RETURN value::timestamptz;
      EXCEPTION WHEN others THEN
        RETURN NULL;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS program_try_timestamptz(text)`);
    for (const t of ['step_runs', 'enrollments', 'program_versions', 'programs']) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
  }
}
