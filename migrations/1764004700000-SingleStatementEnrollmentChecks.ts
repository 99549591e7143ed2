import { MigrationInterface, QueryRunner } from 'typeorm';
import { ENROLLMENTS_REFS_EXIST_BODY } from './1764003200000-SetBasedEnrollmentForeignKeys.js';

/**
 * The reference check of enrollments (their lead and program version, 1764003200000) becomes one statement,
 * as 1764004600000 did for events, the ledger and tracked interactions: it ran five statements over the
 * transition table per insert, a fixed cost that an enrollment made by an event trigger or a single
 * API call pays whole. Its joins with the transition table were also planned once per connection for the
 * first insert seen: after a bulk enrollment, a kept hash join would read every lead for each later
 * single enrollment on that connection. Here each referenced lead and program version is found by a
 * LATERAL primary-key probe (a locking subquery is never pulled up into a join), locked FOR KEY SHARE as
 * before; errors, constraint names and messages are unchanged.
 */
export class SingleStatementEnrollmentChecks1764004700000 implements MigrationInterface {
  name = 'SingleStatementEnrollmentChecks1764004700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION enrollments_refs_exist() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        failed int;
        missing text;
      BEGIN
        SELECT x.failed, x.missing INTO failed, missing FROM (
          (SELECT 0 AS failed, n.lead_id::text AS missing
             FROM (SELECT DISTINCT lead_id FROM new_enrollments) n
             LEFT JOIN LATERAL (SELECT l.id FROM leads l WHERE l.id = n.lead_id FOR KEY SHARE OF l) l ON true
            WHERE l.id IS NULL LIMIT 1)
          UNION ALL
          (SELECT 1, n.program_id || ' version ' || n.program_version
             FROM (SELECT DISTINCT program_id, program_version FROM new_enrollments) n
             LEFT JOIN LATERAL (
               SELECT v.program_id FROM program_versions v WHERE v.program_id = n.program_id AND v.version = n.program_version FOR KEY SHARE OF v
             ) v ON true
            WHERE v.program_id IS NULL LIMIT 1)
        ) x LIMIT 1;
        IF FOUND THEN
          IF failed = 0 THEN
            RAISE EXCEPTION 'insert into enrollments: lead % does not exist', missing
              USING ERRCODE = 'foreign_key_violation', TABLE = 'enrollments', CONSTRAINT = 'enrollments_lead_exists';
          END IF;
          RAISE EXCEPTION 'insert into enrollments: program % does not exist', missing
            USING ERRCODE = 'foreign_key_violation', TABLE = 'enrollments', CONSTRAINT = 'enrollments_program_version_exists';
        END IF;
        RETURN NULL;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE OR REPLACE FUNCTION enrollments_refs_exist() ${ENROLLMENTS_REFS_EXIST_BODY}`);
  }
}
