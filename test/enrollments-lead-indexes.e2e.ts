import { LEAD_ENROLLMENTS_SQL } from '../src/privacy/lead-export.service.js';
import { mayEnterSql } from '../src/programs/enrollment-writer.js';
import { listSql } from '../src/programs/enrollments.service.js';
import { useTestDatabase } from './support/test-database.js';

/**
 * enrollments_lead_history covers finished enrollments only (migration 1764004500000), so a scheduler
 * step of an active enrollment maintains one index fewer; active ones are found by lead through
 * enrollments_one_active. On a realistic, analyzed table, every lookup by lead must still use an index
 * for both parts, never a sequential scan of all enrollments.
 */
describe('lead lookups of enrollments with a partial history index', () => {
  const t = useTestDatabase();
  /** A lead with active and finished enrollments, and one program it is active in and one it finished. */
  let lead: string;
  let activeProgram: string;
  let finishedProgram: string;

  beforeAll(async () => {
    await t.db.query(`INSERT INTO leads (email, email_normalized) SELECT 'l' || i || '@example.be', 'l' || i || '@example.be' FROM generate_series(1, 30000) i`);
    await t.db.query(
      `INSERT INTO programs (name, status, draft, current_version, created_at, updated_at) SELECT 'p' || i, 'active', '{}', 1, now(), now() FROM generate_series(1, 10) i`,
    );
    await t.db.query(`INSERT INTO program_versions (program_id, version, definition, published_at, published_by) SELECT id, 1, '{}', now(), 'test' FROM programs`);
    // 180,000 enrollments, six per lead, a third of them active.
    await t.db.query(
      `WITH p AS (SELECT id, row_number() OVER (ORDER BY id) AS k FROM programs), l AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM leads)
       INSERT INTO enrollments (program_id, program_version, lead_id, via, current_step_id, visits, status, next_run_at, enrolled_at, updated_at, finished_at)
       SELECT p.id, 1, l.id, 'bulk', 's', '{"s":1}', CASE WHEN (l.n + p.k) % 3 = 0 THEN 'active' ELSE 'completed' END,
              CASE WHEN (l.n + p.k) % 3 = 0 THEN now() + (l.n % 1000) * interval '1 minute' END,
              now() - (l.n % 300) * interval '1 day', now(), CASE WHEN (l.n + p.k) % 3 = 0 THEN NULL ELSE now() END
         FROM l JOIN p ON (l.n * 7 + p.k) % 10 < 6`,
    );
    await t.db.query(`VACUUM ANALYZE enrollments`);
    const [row] = (
      await t.db.query(
        `SELECT a.lead_id, a.program_id AS active, f.program_id AS finished FROM enrollments a
           JOIN enrollments f ON f.lead_id = a.lead_id AND f.status <> 'active' WHERE a.status = 'active' LIMIT 1`,
      )
    ).rows;
    ({ lead_id: lead, active: activeProgram, finished: finishedProgram } = row);
  }, 120_000);

  interface PlanNode {
    'Node Type': string;
    'Relation Name'?: string;
    'Index Name'?: string;
    Plans?: PlanNode[];
  }
  const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];
  /** The scans of enrollments and its indexes in the plan of `sql`: node type and index. */
  async function enrollmentScans(sql: string, values: unknown[]): Promise<string[]> {
    const [{ 'QUERY PLAN': plan }] = (await t.db.query(`EXPLAIN (FORMAT JSON) ${sql}`, values)).rows;
    return nodes(plan[0].Plan)
      .filter((n) => n['Relation Name'] === 'enrollments' || n['Index Name']?.startsWith('enrollments_'))
      .map((n) => `${n['Node Type']} ${n['Index Name'] ?? ''}`.trim());
  }
  /** Scans that read all enrollments, or those of a whole program, instead of the lead's. */
  const notByLead = (scans: string[]) => scans.filter((s) => s.startsWith('Seq Scan') || /enrollments_(due|program|pkey)$/.test(s));
  /** How many rows `sql` returns. */
  const rows = async (sql: string, values: unknown[]) => (await t.db.query(sql, values)).rowCount;

  it('keeps only finished enrollments in enrollments_lead_history', async () => {
    const { rows: defs } = await t.db.query(`SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'enrollments' ORDER BY indexname`);
    expect(defs.find((d) => d.indexname === 'enrollments_lead_history')?.indexdef).toMatch(/\(lead_id, program_id, enrolled_at\) WHERE \(status <> 'active'::text\)$/);
    expect(defs.map((d) => d.indexname)).toEqual(['enrollments_due', 'enrollments_lead_history', 'enrollments_one_active', 'enrollments_pkey', 'enrollments_program']);
  });

  it('adds no history entry when a step moves an active enrollment on', async () => {
    const size = async (index: string) => Number((await t.db.query(`SELECT pg_relation_size($1::regclass) AS n`, [index])).rows[0].n);
    const [history, active] = [await size('enrollments_lead_history'), await size('enrollments_one_active')];
    // What the scheduler writes for each step: next_run_at (indexed, so never a HOT update) and the step's state.
    const updated = await t.db.query(`UPDATE enrollments SET next_run_at = next_run_at + interval '1 hour', step_visit = step_visit + 1, updated_at = now() WHERE status = 'active'`);
    expect(updated.rowCount).toBe(60_000);
    expect(await size('enrollments_one_active')).toBeGreaterThan(active); // 60,000 new entries: the updates were not HOT
    expect(await size('enrollments_lead_history')).toBe(history);
  });

  it('exports a lead’s enrollments through both partial indexes', async () => {
    const scans = await enrollmentScans(LEAD_ENROLLMENTS_SQL, [lead]);
    expect(scans).toEqual(expect.arrayContaining(['Bitmap Index Scan enrollments_one_active', 'Bitmap Index Scan enrollments_lead_history']));
    expect(notByLead(scans)).toEqual([]);
    const all = await rows(`SELECT 1 FROM enrollments WHERE lead_id::text = $1`, [lead]);
    expect(all).toBe(6);
    expect(await rows(LEAD_ENROLLMENTS_SQL, [lead])).toBe(all);
  });

  it('lists a program’s enrollments of one lead by index, active or finished, with or without a status filter', async () => {
    for (const [programId, status] of [
      [activeProgram, undefined],
      [finishedProgram, undefined],
      [activeProgram, 'active'],
      [finishedProgram, 'completed'],
    ] as const) {
      const { sql, values } = listSql(programId, { leadId: lead, status });
      const scans = await enrollmentScans(sql, values);
      expect(scans.some((s) => /enrollments_(one_active|lead_history)$/.test(s))).toBe(true);
      expect(notByLead(scans)).toEqual([]);
      expect(await rows(sql, values)).toBe(1);
    }
  });

  it('tests the re-enrollment rule of one lead on both partial indexes', async () => {
    const sql = `SELECT l.id FROM leads l WHERE l.id = $1::uuid AND ${mayEnterSql('$2::uuid', 'l.id', '$3::int', '$4::timestamptz')}`;
    for (const programId of [activeProgram, finishedProgram]) {
      const values = [lead, programId, null, new Date().toISOString()];
      const scans = await enrollmentScans(sql, values);
      expect(scans).toEqual(expect.arrayContaining([expect.stringMatching(/enrollments_one_active$/), expect.stringMatching(/enrollments_lead_history$/)]));
      expect(notByLead(scans)).toEqual([]);
      expect(await rows(sql, values)).toBe(0); // active there, or finished with policy "never"
    }
    // Finished more than a year before the policy's window: the lead may enter again.
    expect(await rows(sql, [lead, finishedProgram, 1, new Date(Date.now() + 400 * 86_400_000).toISOString()])).toBe(1);
  });

  it('deletes a deleted lead’s enrollments through both partial indexes, also with the trigger’s kept plan', async () => {
    const plans: string[] = [];
    const collect = (msg: { message?: string }) => plans.push(msg.message ?? '');
    t.db.on('notice', collect);
    try {
      await t.db.query('BEGIN');
      await t.db.query(`LOAD 'auto_explain'`);
      // A plan kept for the connection is generic: force it from the first run.
      for (const s of ['auto_explain.log_min_duration = 0', 'auto_explain.log_nested_statements = on', 'plan_cache_mode = force_generic_plan', 'client_min_messages = log']) {
        await t.db.query(`SET LOCAL ${s}`);
      }
      await t.db.query(`DELETE FROM leads WHERE id = $1`, [lead]);
      await t.db.query(`SET LOCAL client_min_messages = notice`);
      expect(Number((await t.db.query(`SELECT count(*) AS n FROM enrollments WHERE lead_id::text = $1`, [lead])).rows[0].n)).toBe(0);
    } finally {
      await t.db.query('ROLLBACK');
      t.db.off('notice', collect);
    }
    const cascade = plans.find((p) => /DELETE FROM enrollments e WHERE/.test(p));
    expect(cascade).toMatch(/Bitmap Index Scan on enrollments_one_active/);
    expect(cascade).toMatch(/Bitmap Index Scan on enrollments_lead_history/);
    expect(cascade).not.toMatch(/Seq Scan on enrollments/);
    expect(Number((await t.db.query(`SELECT count(*) AS n FROM enrollments WHERE lead_id::text = $1`, [lead])).rows[0].n)).toBe(6);
  });
});
