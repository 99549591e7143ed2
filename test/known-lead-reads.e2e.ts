import { LOCK_AND_READ_SQL } from '../src/events/known-lead-reads.js';
import { sqlLiteral } from '../src/infra/database/simple-protocol.js';
import { useTestDatabase } from './support/test-database.js';

/**
 * The lock-and-read of the known-lead event writer, run as the API runs it (a generic plan): the ledger rows
 * inside a cap window come back for the leads named by id and for those named by email, and picking those
 * leads out of the locked ones is a hashed lookup. A linear `= ANY(parameter)` there cost time quadratic in
 * the size of a group (≈ 40 ms of 110 for 2,000 events).
 */
describe('the known-lead lock-and-read', () => {
  const t = useTestDatabase();

  it('reads recent ledger rows of leads named by id or by email, picking them out by a hashed lookup', async () => {
    const leads: { id: string; email_normalized: string }[] = (
      await t.db.query(
        `INSERT INTO leads (email, email_normalized) SELECT e, e FROM (SELECT 'read-' || i || '@example.be' AS e FROM generate_series(1, 2000) i) s
         RETURNING id, email_normalized`,
      )
    ).rows;
    await t.db.query(
      `INSERT INTO score_ledger (lead_id, rule_id, model_version, description, points, occurred_at)
       SELECT id, r, 1, 'test', 1, now() - interval '1 hour' FROM leads, unnest(ARRAY['capped', 'other']) r`,
    );
    await t.db.query('ANALYZE');
    const byId = leads.slice(0, 1000).map((l) => l.id);
    const byEmail = leads.slice(1000).map((l) => l.email_normalized);
    // ids, emails, then keys, the leads with events of capped rules (by id, by email), the window start and the capped rules
    const values = [byId, byEmail, [], byId.slice(0, 600), byEmail.slice(0, 600), new Date(Date.now() - 86_400_000).toISOString(), ['capped']];

    await t.db.query('BEGIN');
    try {
      await t.db.query(`SET LOCAL plan_cache_mode = force_generic_plan`);
      await t.db.query(`PREPARE lock_and_read AS ${LOCK_AND_READ_SQL}`);
      const execute = `EXECUTE lock_and_read(${values.map((v) => sqlLiteral(v)).join(', ')})`; // EXPLAIN takes no bound parameters
      const plan = (await t.db.query(`EXPLAIN ${execute}`)).rows.map((r) => r['QUERY PLAN'] as string);
      expect(plan.filter((line) => /Filter: .*= ANY \(\$[45]\)/.test(line))).toEqual([]);
      expect(plan.some((line) => /Filter: \(\(hashed SubPlan \d+\) OR \(hashed SubPlan \d+\)\)/.test(line))).toBe(true);

      const [row] = (await t.db.query(execute)).rows;
      expect(row.leads).toHaveLength(2000);
      const recent = row.recent as [string, string, string][];
      expect(recent).toHaveLength(1200);
      expect(new Set(recent.map(([, rule]) => rule))).toEqual(new Set(['capped']));
      const expected = new Set([...byId.slice(0, 600), ...leads.slice(1000, 1600).map((l) => l.id)]);
      expect(new Set(recent.map(([leadId]) => leadId))).toEqual(expected);
    } finally {
      await t.db.query('ROLLBACK');
    }
  });
});
