import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { deleteDuringOpenInsert } from './support/lock-race.js';
import { useTestDatabase } from './support/test-database.js';

/**
 * The set-based check that replaced the foreign key of step_runs (migration 1764002700000) keeps
 * the foreign key's guarantees: a missing enrollment fails the whole insert with
 * foreign_key_violation (also from the scheduler's INSERT … ON CONFLICT inside a WITH), the keys
 * never change, deleting an enrollment or its lead deletes its step runs, and an enrollment deleted
 * while an insert of its step runs is open waits for it and then deletes them too (no orphans).
 */
describe('foreign key of step runs', () => {
  const t = useTestDatabase();
  let programId: string;

  beforeAll(async () => {
    const { rows: [program] } = await t.db.query(
      `INSERT INTO programs (name, status, draft, current_version, created_at, updated_at) VALUES ('p', 'active', '{}', 1, now(), now()) RETURNING id`,
    );
    programId = program.id;
    await t.db.query(`INSERT INTO program_versions (program_id, version, definition, published_at, published_by) VALUES ($1, 1, '{}', now(), 'test')`, [programId]);
  });

  async function enrollment(): Promise<{ leadId: string; enrollmentId: string }> {
    const email = `lead-${randomUUID()}@example.be`;
    const { rows: [lead] } = await t.db.query(`INSERT INTO leads (email, email_normalized) VALUES ($1, $1) RETURNING id`, [email]);
    const { rows: [e] } = await t.db.query(
      `INSERT INTO enrollments (program_id, program_version, lead_id, via, current_step_id, visits, next_run_at, enrolled_at, updated_at)
       VALUES ($1, 1, $2, 'test', 's', '{}', now(), now(), now()) RETURNING id`,
      [programId, lead.id],
    );
    return { leadId: lead.id, enrollmentId: e.id };
  }

  /** Step runs as the scheduler writes them: a JSON batch, first write wins, inside a WITH. */
  const insertRuns = (c: pg.Client, enrollmentIds: string[], visit = 1) =>
    c.query(
      `WITH runs AS (INSERT INTO step_runs (enrollment_id, step_id, visit, outcome, detail, ran_at)
         SELECT u.e, 's', $2, 'done', '{}', now() FROM json_to_recordset($1::json) AS u(e uuid)
         ON CONFLICT (enrollment_id, step_id, visit) DO NOTHING) SELECT 1`,
      [JSON.stringify(enrollmentIds.map((e) => ({ e }))), visit],
    );
  const count = async (sql: string, values: unknown[]) => Number((await t.db.query(sql, values)).rows[0].n);
  const runsOf = (enrollmentId: string) => count(`SELECT count(*) AS n FROM step_runs WHERE enrollment_id = $1`, [enrollmentId]);
  const code = (p: Promise<unknown>) => p.then(() => 'ok', (err: { code?: string }) => err.code);

  it('refuses a whole insert when one step run names a missing enrollment', async () => {
    const { enrollmentId } = await enrollment();
    expect(await code(insertRuns(t.db, [enrollmentId, randomUUID()]))).toBe('23503');
    expect(await code(t.db.query(`INSERT INTO step_runs (enrollment_id, step_id, visit, outcome, ran_at) VALUES ($1, 's', 1, 'done', now())`, [randomUUID()]))).toBe('23503');
    expect(await runsOf(enrollmentId)).toBe(0);
    expect(await code(insertRuns(t.db, [enrollmentId]))).toBe('ok');
    expect(await code(insertRuns(t.db, [enrollmentId]))).toBe('ok'); // a repeat is skipped, not refused
    expect(await runsOf(enrollmentId)).toBe(1);
  });

  it('never lets the keys change', async () => {
    const a = await enrollment();
    const b = await enrollment();
    await insertRuns(t.db, [a.enrollmentId]);
    expect(await code(t.db.query(`UPDATE step_runs SET enrollment_id = $2 WHERE enrollment_id = $1`, [a.enrollmentId, b.enrollmentId]))).toBe('23503');
    expect(await code(t.db.query(`UPDATE enrollments SET id = $2 WHERE id = $1`, [a.enrollmentId, randomUUID()]))).toBe('23503');
    expect(await code(t.db.query(`UPDATE step_runs SET outcome = 'yes' WHERE enrollment_id = $1`, [a.enrollmentId]))).toBe('ok');
    expect(await code(t.db.query(`UPDATE enrollments SET id = id, updated_at = now() WHERE id = $1`, [a.enrollmentId]))).toBe('ok');
  });

  it('deletes step runs with their enrollment or its lead, and only theirs', async () => {
    const a = await enrollment();
    const b = await enrollment();
    const kept = await enrollment();
    await insertRuns(t.db, [a.enrollmentId, b.enrollmentId, kept.enrollmentId]);
    await insertRuns(t.db, [a.enrollmentId, b.enrollmentId], 2);
    await t.db.query(`DELETE FROM enrollments WHERE id = $1`, [a.enrollmentId]);
    expect(await runsOf(a.enrollmentId)).toBe(0);
    await t.db.query(`DELETE FROM leads WHERE id = $1`, [b.leadId]);
    expect(await runsOf(b.enrollmentId)).toBe(0);
    expect(await runsOf(kept.enrollmentId)).toBe(1);
  });

  it('makes an enrollment deleted during an open insert wait for it, then delete what it stored', async () => {
    const { enrollmentId } = await enrollment();
    const race = await deleteDuringOpenInsert(
      t.database.url,
      (writer) => insertRuns(writer, [enrollmentId]), // locks the enrollment FOR KEY SHARE, as the key did
      `DELETE FROM enrollments WHERE id = $1`,
      [enrollmentId],
    );
    expect(race.deletedBeforeCommit).toBe(false);
    expect(await runsOf(enrollmentId)).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM enrollments WHERE id = $1`, [enrollmentId])).toBe(0);
  });
});
