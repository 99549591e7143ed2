import { MigrationInterface, QueryRunner } from 'typeorm';

/** The body of enrollments_refs_exist() as created here (1764004700000 replaces it; its down restores this). */
export const ENROLLMENTS_REFS_EXIST_BODY = `RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        wanted bigint;
        locked bigint;
        missing text;
      BEGIN
        -- One pass over the referenced leads: those found are locked, and fewer found than named means one is missing.
        SELECT count(*) INTO wanted FROM (SELECT DISTINCT lead_id FROM new_enrollments) n;
        SELECT count(*) INTO locked
          FROM (SELECT 1 FROM leads l JOIN (SELECT DISTINCT lead_id FROM new_enrollments) n ON l.id = n.lead_id FOR KEY SHARE OF l) k;
        IF locked < wanted THEN
          SELECT n.lead_id INTO missing FROM (SELECT DISTINCT lead_id FROM new_enrollments) n
           WHERE NOT EXISTS (SELECT 1 FROM leads l WHERE l.id = n.lead_id) LIMIT 1;
          RAISE EXCEPTION 'insert into enrollments: lead % does not exist', missing
            USING ERRCODE = 'foreign_key_violation', TABLE = 'enrollments', CONSTRAINT = 'enrollments_lead_exists';
        END IF;
        SELECT count(*) INTO wanted FROM (SELECT DISTINCT program_id, program_version FROM new_enrollments) n;
        SELECT count(*) INTO locked
          FROM (SELECT 1 FROM program_versions v
                  JOIN (SELECT DISTINCT program_id, program_version FROM new_enrollments) n ON v.program_id = n.program_id AND v.version = n.program_version
                   FOR KEY SHARE OF v) k;
        IF locked < wanted THEN
          SELECT n.program_id || ' version ' || n.program_version INTO missing
            FROM (SELECT DISTINCT program_id, program_version FROM new_enrollments) n
           WHERE NOT EXISTS (SELECT 1 FROM program_versions v WHERE v.program_id = n.program_id AND v.version = n.program_version) LIMIT 1;
          RAISE EXCEPTION 'insert into enrollments: program % does not exist', missing
            USING ERRCODE = 'foreign_key_violation', TABLE = 'enrollments', CONSTRAINT = 'enrollments_program_version_exists';
        END IF;
        RETURN NULL;
      END $$`;

/**
 * The two foreign keys of enrollments (lead_id → leads, (program_id, program_version) →
 * program_versions, both ON DELETE CASCADE) become one set-based check per INSERT statement, with
 * the same guarantees, as migrations 1764002400000 and 1764002700000 did for events and step runs.
 *
 * A bulk enrollment writes 100,000 enrollments in one statement; each foreign key ran a lookup per
 * row through the trigger machinery (two per enrollment, ≈ 40% of the statement's time here). The
 * trigger below locks the distinct referenced leads and program versions FOR KEY SHARE at once, as
 * the foreign keys did (so a lead or version deleted concurrently waits for the insert and then
 * deletes its enrollments too), and fails with `foreign_key_violation` if any is missing: fewer rows
 * locked than referenced (a missing row, or one deleted meanwhile, is not locked). That is one pass
 * over the leads; a second pass looking for a missing one runs only to name it in the error.
 *
 * The referencing columns never change (a trigger makes sure of it; no code changes them). Deleting
 * leads or program versions deletes their enrollments (the former ON DELETE CASCADE), once per
 * statement; enrollments_delete_step_runs then deletes their step runs.
 */
export class SetBasedEnrollmentForeignKeys1764003200000 implements MigrationInterface {
  name = 'SetBasedEnrollmentForeignKeys1764003200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE enrollments DROP CONSTRAINT enrollments_lead_id_fkey`);
    await q.query(`ALTER TABLE enrollments DROP CONSTRAINT enrollments_program_id_program_version_fkey`);

    await q.query(`CREATE FUNCTION enrollments_refs_exist() ${ENROLLMENTS_REFS_EXIST_BODY}`);
    await q.query(`
      CREATE TRIGGER enrollments_refs_exist AFTER INSERT ON enrollments
        REFERENCING NEW TABLE AS new_enrollments FOR EACH STATEMENT EXECUTE FUNCTION enrollments_refs_exist()`);

    await q.query(`
      CREATE FUNCTION enrollments_refs_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'update of enrollments: lead_id, program_id and program_version never change'
          USING ERRCODE = 'foreign_key_violation', TABLE = 'enrollments';
      END $$`);
    await q.query(`
      CREATE TRIGGER enrollments_refs_fixed BEFORE UPDATE OF lead_id, program_id, program_version ON enrollments FOR EACH ROW
        WHEN (OLD.lead_id IS DISTINCT FROM NEW.lead_id OR OLD.program_id IS DISTINCT FROM NEW.program_id
              OR OLD.program_version IS DISTINCT FROM NEW.program_version)
        EXECUTE FUNCTION enrollments_refs_fixed()`);

    // Parents: a deleted lead or program version takes its enrollments.
    await q.query(`CREATE FUNCTION leads_delete_enrollments() ${LEADS_DELETE_ENROLLMENTS_BODY}`);
    await q.query(`
      CREATE TRIGGER leads_delete_enrollments AFTER DELETE ON leads
        REFERENCING OLD TABLE AS old_leads FOR EACH STATEMENT EXECUTE FUNCTION leads_delete_enrollments()`);
    await q.query(`
      CREATE FUNCTION program_versions_delete_enrollments() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM enrollments e USING old_versions o WHERE e.program_id = o.program_id AND e.program_version = o.version;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER program_versions_delete_enrollments AFTER DELETE ON program_versions
        REFERENCING OLD TABLE AS old_versions FOR EACH STATEMENT EXECUTE FUNCTION program_versions_delete_enrollments()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS program_versions_delete_enrollments ON program_versions`);
    await q.query(`DROP TRIGGER IF EXISTS leads_delete_enrollments ON leads`);
    await q.query(`DROP TRIGGER IF EXISTS enrollments_refs_fixed ON enrollments`);
    await q.query(`DROP TRIGGER IF EXISTS enrollments_refs_exist ON enrollments`);
    for (const f of ['program_versions_delete_enrollments', 'leads_delete_enrollments', 'enrollments_refs_fixed', 'enrollments_refs_exist']) {
      await q.query(`DROP FUNCTION IF EXISTS ${f}()`);
    }
    await q.query(
      `ALTER TABLE enrollments ADD CONSTRAINT enrollments_program_id_program_version_fkey
         FOREIGN KEY (program_id, program_version) REFERENCES program_versions(program_id, version) ON DELETE CASCADE`,
    );
    await q.query(`ALTER TABLE enrollments ADD CONSTRAINT enrollments_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES leads(id) ON DELETE CASCADE`);
  }
}

/** The cascade of deleted leads to their enrollments (replaced by 1764004500000, whose down puts this back). */
export const LEADS_DELETE_ENROLLMENTS_BODY = `RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM enrollments e USING old_leads o WHERE e.lead_id = o.id;
        RETURN NULL;
      END $$`;
