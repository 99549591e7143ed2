import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { deleteDuringOpenInsert } from './support/lock-race.js';
import { useTestDatabase } from './support/test-database.js';

/**
 * The set-based check that replaced the two foreign keys of enrollments (migration 1764003200000)
 * keeps their guarantees: a missing lead or program version fails the whole insert with
 * foreign_key_violation (also from an INSERT … ON CONFLICT inside a WITH, as bulk enrollment writes),
 * the keys never change, deleting a lead or a program (its versions) deletes its enrollments and
 * their step runs, and a lead deleted while an insert of its enrollment is open waits for it and
 * then deletes that enrollment too (no orphans).
 */
describe('foreign keys of enrollments', () => {
  const t = useTestDatabase();

  async function program(): Promise<string> {
    const { rows: [p] } = await t.db.query(
      `INSERT INTO programs (name, status, draft, current_version, created_at, updated_at) VALUES ('p', 'active', '{}', 1, now(), now()) RETURNING id`,
    );
    await t.db.query(`INSERT INTO program_versions (program_id, version, definition, published_at, published_by) VALUES ($1, 1, '{}', now(), 'test')`, [p.id]);
    return p.id;
  }
  async function lead(): Promise<string> {
    const email = `lead-${randomUUID()}@example.be`;
    return (await t.db.query(`INSERT INTO leads (email, email_normalized) VALUES ($1, $1) RETURNING id`, [email])).rows[0].id;
  }

  /** Enrollments as bulk enrollment writes them: one INSERT … SELECT, skipping an active duplicate, inside a WITH. */
  const enroll = (c: pg.Client, programId: string, leadIds: string[], version = 1) =>
    c.query(
      `WITH ins AS (INSERT INTO enrollments (program_id, program_version, lead_id, via, current_step_id, visits, next_run_at, enrolled_at, updated_at)
         SELECT $1, $2, u.id, 'bulk', 's', '{"s":1}', now(), now(), now() FROM unnest($3::uuid[]) AS u(id)
         ON CONFLICT (lead_id, program_id) WHERE status = 'active' DO NOTHING RETURNING id) SELECT array_agg(id) AS ids FROM ins`,
      [programId, version, leadIds],
    );
  const count = async (sql: string, values: unknown[]) => Number((await t.db.query(sql, values)).rows[0].n);
  const enrollmentsOf = (column: 'lead_id' | 'program_id', id: string) => count(`SELECT count(*) AS n FROM enrollments WHERE ${column} = $1`, [id]);
  const code = (p: Promise<unknown>) => p.then(() => 'ok', (err: { code?: string }) => err.code);

  it('refuses a whole insert when one enrollment names a missing lead or program version', async () => {
    const programId = await program();
    const leadId = await lead();
    expect(await code(enroll(t.db, programId, [leadId, randomUUID()]))).toBe('23503');
    expect(await code(enroll(t.db, programId, [leadId], 2))).toBe('23503');
    expect(await code(enroll(t.db, randomUUID(), [leadId]))).toBe('23503');
    expect(await enrollmentsOf('lead_id', leadId)).toBe(0);
    expect(await code(enroll(t.db, programId, [leadId]))).toBe('ok');
    expect(await code(enroll(t.db, programId, [leadId]))).toBe('ok'); // an active duplicate is skipped, not refused
    expect(await enrollmentsOf('lead_id', leadId)).toBe(1);
  });

  it('never lets the keys change', async () => {
    const programId = await program();
    const other = await program();
    const [a, b] = [await lead(), await lead()];
    await enroll(t.db, programId, [a]);
    expect(await code(t.db.query(`UPDATE enrollments SET lead_id = $2 WHERE lead_id = $1`, [a, b]))).toBe('23503');
    expect(await code(t.db.query(`UPDATE enrollments SET program_id = $2 WHERE lead_id = $1`, [a, other]))).toBe('23503');
    expect(await code(t.db.query(`UPDATE enrollments SET program_version = 2 WHERE lead_id = $1`, [a]))).toBe('23503');
    expect(await code(t.db.query(`UPDATE enrollments SET lead_id = lead_id, status = 'exited' WHERE lead_id = $1`, [a]))).toBe('ok');
  });

  it('deletes enrollments and their step runs with their lead or their program, and only theirs', async () => {
    const [p1, p2] = [await program(), await program()];
    const [a, b, kept] = [await lead(), await lead(), await lead()];
    await enroll(t.db, p1, [a, b, kept]);
    await enroll(t.db, p2, [a, kept]);
    await t.db.query(
      `INSERT INTO step_runs (enrollment_id, step_id, visit, outcome, ran_at) SELECT id, 's', 1, 'done', now() FROM enrollments WHERE lead_id = ANY($1::uuid[])`,
      [[a, b, kept]],
    );
    await t.db.query(`DELETE FROM leads WHERE id = $1`, [a]);
    expect(await enrollmentsOf('lead_id', a)).toBe(0);
    await t.db.query(`DELETE FROM programs WHERE id = $1`, [p2]);
    expect(await enrollmentsOf('program_id', p2)).toBe(0);
    expect(await enrollmentsOf('lead_id', b)).toBe(1);
    expect(await enrollmentsOf('lead_id', kept)).toBe(1);
    const orphans = await count(`SELECT count(*) AS n FROM step_runs s WHERE NOT EXISTS (SELECT 1 FROM enrollments e WHERE e.id = s.enrollment_id)`, []);
    expect(orphans).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM step_runs s JOIN enrollments e ON e.id = s.enrollment_id WHERE e.lead_id = ANY($1::uuid[])`, [[b, kept]])).toBe(2);
  });

  it('makes a lead deleted during an open insert wait for it, then delete what it stored', async () => {
    const programId = await program();
    const leadId = await lead();
    const race = await deleteDuringOpenInsert(
      t.database.url,
      (writer) => enroll(writer, programId, [leadId]), // locks the lead FOR KEY SHARE, as the key did
      `DELETE FROM leads WHERE id = $1`,
      [leadId],
    );
    expect(race.deletedBeforeCommit).toBe(false);
    expect(await enrollmentsOf('lead_id', leadId)).toBe(0);
  });
});
