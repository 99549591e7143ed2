import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The foreign key of step_runs (enrollment_id → enrollments, ON DELETE CASCADE) becomes a
 * statement-level check with the same guarantees, as 1764002400000 did for events.
 *
 * The scheduler writes one step run per enrollment it runs, 500 per statement; the foreign key ran
 * a lookup and a row lock per inserted row through the trigger machinery (about a third of the cost
 * of that insert here). Now one statement-level trigger per INSERT locks the distinct referenced
 * enrollments FOR KEY SHARE at once, as the foreign key did (the scheduler already holds them
 * FOR UPDATE, so that costs it no second lock), and fails with `foreign_key_violation` if any is
 * missing. enrollment_id never changes (a trigger makes sure of it); deleting enrollments deletes
 * their step runs once per statement (the former ON DELETE CASCADE, also when a deleted lead takes
 * its enrollments).
 */
export class SetBasedStepRunForeignKey1764002700000 implements MigrationInterface {
  name = 'SetBasedStepRunForeignKey1764002700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE step_runs DROP CONSTRAINT step_runs_enrollment_id_fkey`);

    await q.query(`
      CREATE FUNCTION step_runs_enrollments_exist() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        missing uuid;
      BEGIN
        -- Locks every referenced enrollment (the LATERAL runs for each of them unless one is missing).
        SELECT n.enrollment_id INTO missing FROM (SELECT DISTINCT enrollment_id FROM new_step_runs) n
          LEFT JOIN LATERAL (SELECT true AS found FROM enrollments e WHERE e.id = n.enrollment_id FOR KEY SHARE) e ON true
         WHERE e.found IS NULL LIMIT 1;
        IF FOUND THEN
          RAISE EXCEPTION 'insert into step_runs: enrollment % does not exist', missing
            USING ERRCODE = 'foreign_key_violation', TABLE = 'step_runs', CONSTRAINT = 'step_runs_enrollment_exists';
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER step_runs_enrollment_exists AFTER INSERT ON step_runs
        REFERENCING NEW TABLE AS new_step_runs FOR EACH STATEMENT EXECUTE FUNCTION step_runs_enrollments_exist()`);

    await q.query(`
      CREATE FUNCTION step_runs_enrollment_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'update of step_runs: enrollment_id never changes'
          USING ERRCODE = 'foreign_key_violation', TABLE = 'step_runs';
      END $$`);
    await q.query(`
      CREATE TRIGGER step_runs_enrollment_fixed BEFORE UPDATE OF enrollment_id ON step_runs FOR EACH ROW
        WHEN (OLD.enrollment_id IS DISTINCT FROM NEW.enrollment_id) EXECUTE FUNCTION step_runs_enrollment_fixed()`);
    // enrollments.id never changes either (no code changes it); the foreign key refused that too.
    await q.query(`
      CREATE FUNCTION enrollments_id_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'update of enrollments: id never changes'
          USING ERRCODE = 'foreign_key_violation', TABLE = 'enrollments';
      END $$`);
    await q.query(`
      CREATE TRIGGER enrollments_id_fixed BEFORE UPDATE OF id ON enrollments FOR EACH ROW
        WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION enrollments_id_fixed()`);

    await q.query(`
      CREATE FUNCTION enrollments_delete_step_runs() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM step_runs s USING old_enrollments o WHERE s.enrollment_id = o.id;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER enrollments_delete_step_runs AFTER DELETE ON enrollments
        REFERENCING OLD TABLE AS old_enrollments FOR EACH STATEMENT EXECUTE FUNCTION enrollments_delete_step_runs()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS enrollments_delete_step_runs ON enrollments`);
    await q.query(`DROP TRIGGER IF EXISTS enrollments_id_fixed ON enrollments`);
    await q.query(`DROP TRIGGER IF EXISTS step_runs_enrollment_fixed ON step_runs`);
    await q.query(`DROP TRIGGER IF EXISTS step_runs_enrollment_exists ON step_runs`);
    for (const f of ['enrollments_delete_step_runs', 'enrollments_id_fixed', 'step_runs_enrollment_fixed', 'step_runs_enrollments_exist']) {
      await q.query(`DROP FUNCTION IF EXISTS ${f}()`);
    }
    await q.query(`ALTER TABLE step_runs ADD CONSTRAINT step_runs_enrollment_id_fkey FOREIGN KEY (enrollment_id) REFERENCES enrollments(id) ON DELETE CASCADE`);
  }
}
