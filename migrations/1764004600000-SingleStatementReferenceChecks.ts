import { MigrationInterface, QueryRunner } from 'typeorm';
import { IndexedReferenceChecks1764004300000, REFERENCE_CHECKS, type ReferenceCheck } from './1764004300000-IndexedReferenceChecks.js';

/**
 * The statement-level reference checks of events, score_ledger and email_interactions each become one
 * statement. Each statement of a trigger function that reads a transition table costs PostgreSQL a fixed
 * amount per call, and the checks ran two statements per reference (the distinct ids into an array, then
 * the rows found and locked): for a single event, the checks of its event and ledger row cost more than the
 * whole rest of its write (pg_stat_statements: the write 590–660 µs per call with them, 175–200 µs with the
 * two triggers disabled, 230–300 µs with these one-statement checks).
 *
 * A reference is missing when its id finds no row through a LATERAL subquery: that is a primary-key probe per
 * distinct id whatever plan PL/pgSQL keeps from a first, large batch (a locking subquery is never pulled up
 * into a join, and OFFSET 0 keeps a non-locking one a subquery too), so the plan 1764004300000 guarded
 * against (a hash join over every lead, kept for later single events) cannot come back. Locks, error
 * codes, constraint names and messages are those of the checks replaced; every referenced row is still
 * locked, since a check finds nothing missing only after probing all of them.
 */
export class SingleStatementReferenceChecks1764004600000 implements MigrationInterface {
  name = 'SingleStatementReferenceChecks1764004600000';

  async up(q: QueryRunner): Promise<void> {
    for (const [name, checks] of Object.entries(REFERENCE_CHECKS)) await q.query(checkFunction(name, checks));
  }

  async down(q: QueryRunner): Promise<void> {
    await new IndexedReferenceChecks1764004300000().up(q);
  }
}

function checkFunction(name: string, checks: ReferenceCheck[]): string {
  const raise = (c: ReferenceCheck) => `RAISE EXCEPTION 'insert into ${c.inserted}: ${c.what} % does not exist', missing
          USING ERRCODE = 'foreign_key_violation', TABLE = '${c.inserted}', CONSTRAINT = '${c.constraint}';`;
  const raises = checks.map((c, i) => `${i === 0 ? 'IF' : 'ELSIF'} failed = ${i} THEN\n          ${raise(c)}`).join('\n        ');
  return `
    CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      failed int;
      missing uuid;
    BEGIN
      SELECT x.failed, x.id INTO failed, missing FROM (${checks.map(missingSql).join(' UNION ALL ')}) x LIMIT 1;
      IF FOUND THEN
        ${raises}
        END IF;
      END IF;
      RETURN NULL;
    END $$`;
}

/** The first id of check `i` with no row in its table (locking the rows found, when the check locks). */
function missingSql(c: ReferenceCheck, i: number): string {
  const probe = `SELECT r.id FROM ${c.table} r WHERE r.id = n.id ${c.lock ? 'FOR KEY SHARE OF r' : 'OFFSET 0'}`;
  return `
        (SELECT ${i} AS failed, n.id FROM (${c.ids}) AS n(id) LEFT JOIN LATERAL (${probe}) r ON true WHERE r.id IS NULL LIMIT 1)`;
}
