import { sqlLiteral } from '../src/infra/database/simple-protocol.js';
import { TAKE_QUEUED_EVENTS_SQL } from '../src/scoring/lead-scoring.service.js';
import { useTestDatabase } from './support/test-database.js';

/**
 * The scoring worker's take of queued events: it empties the queue of the given leads and reads exactly their
 * events, each by a primary-key probe. Joined to the taken ids instead, a few hundred of them let the planner
 * merge-join (read) the whole events index.
 */
describe('taking events off the scoring queue', () => {
  const t = useTestDatabase();

  it('reads the taken events by primary key and leaves other leads queued', async () => {
    const leads: string[] = (
      await t.db.query(`INSERT INTO leads (email, email_normalized) SELECT e, e FROM (SELECT 'take-' || i || '@example.be' AS e FROM generate_series(1, 50) i) s RETURNING id`)
    ).rows.map((r) => r.id);
    await t.db.query(
      `WITH ev AS (INSERT INTO events (lead_id, type, occurred_at) SELECT l, 'page_viewed', now() FROM unnest($1::uuid[]) l, generate_series(1, 40) RETURNING id, lead_id)
       INSERT INTO scoring_queue (event_id, lead_id) SELECT id, lead_id FROM ev`,
      [leads],
    );
    await t.db.query('ANALYZE');
    const taken = leads.slice(0, 15);

    await t.db.query('BEGIN');
    try {
      const statement = TAKE_QUEUED_EVENTS_SQL.replace('$1::uuid[]', `${sqlLiteral(taken)}::uuid[]`);
      const plan = (await t.db.query(`EXPLAIN ${statement}`)).rows.map((r) => r['QUERY PLAN'] as string);
      expect(plan.some((line) => /Index (Only )?Scan (using|on) events_pkey/.test(line))).toBe(true); // plain or bitmap: probes either way
      expect(plan.some((line) => /Index Cond: \(id = ANY \(\$\d+\)\)/.test(line))).toBe(true);
      expect(plan.filter((line) => /Seq Scan on events|Merge Join|Hash Join/.test(line))).toEqual([]);

      const rows: { id: string; lead_id: string }[] = (await t.db.query(statement)).rows;
      expect(rows).toHaveLength(15 * 40);
      expect(new Set(rows.map((r) => r.lead_id))).toEqual(new Set(taken));
      const left = (await t.db.query(`SELECT lead_id FROM scoring_queue`)).rows.map((r) => r.lead_id as string);
      expect(left).toHaveLength(35 * 40);
      expect(left.some((id) => taken.includes(id))).toBe(false);
    } finally {
      await t.db.query('ROLLBACK');
    }
  });
});
