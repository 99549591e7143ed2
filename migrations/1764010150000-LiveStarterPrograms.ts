import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One program per starter key among the programs that are not archived, any number archived. `programs.starter` was
 * UNIQUE (constraint `programs_starter_key`, named by PostgreSQL in 1764000400000), so once a marketer archived a
 * starter program its key stayed taken: re-installing the starters recreated the starter templates (matched by name
 * among those not archived) but kept the archived program, a half install of templates no program sends. The starter
 * installer now counts a starter program as installed only while a program that is not archived has its key; this
 * partial unique index backs it (and its advisory lock) so two live programs can never share a key.
 *
 * `programs` is small (a program per campaign), so the index is built in the migration's transaction.
 */
export class LiveStarterPrograms1764010150000 implements MigrationInterface {
  name = 'LiveStarterPrograms1764010150000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE programs DROP CONSTRAINT programs_starter_key`);
    await q.query(`CREATE UNIQUE INDEX programs_live_starter ON programs (starter) WHERE starter IS NOT NULL AND status <> 'archived'`);
  }

  /**
   * The old constraint allows one program per key, archived or not: an archived program that shares its key with a
   * program not archived, or with a newer archived one, loses the key first (its `starter` becomes null).
   */
  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE programs p SET starter = NULL
        WHERE p.starter IS NOT NULL AND p.status = 'archived'
          AND EXISTS (SELECT 1 FROM programs o
                       WHERE o.starter = p.starter AND o.id <> p.id
                         AND (o.status <> 'archived' OR (o.created_at, o.id) > (p.created_at, p.id)))`,
    );
    await q.query(`DROP INDEX programs_live_starter`);
    await q.query(`ALTER TABLE programs ADD CONSTRAINT programs_starter_key UNIQUE (starter)`);
  }
}
