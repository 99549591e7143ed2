import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { useTestDatabase } from './support/test-database.js';

/**
 * The set-based checks that stand for the foreign keys of events and score_ledger (migrations 1764002400000,
 * 1764004300000 and 1764004600000, one statement per check): a missing lead or event fails the whole insert with foreign_key_violation naming the
 * check, repeated references count once, and the check finds the referenced rows by primary key whatever
 * batch size its connection saw first (a plan kept from a large batch must not scan every lead later).
 */
describe('foreign keys of events and the score ledger', () => {
  const t = useTestDatabase();

  const leads = async (n: number): Promise<string[]> =>
    (
      await t.db.query(
        `INSERT INTO leads (email, email_normalized) SELECT e, e FROM (SELECT 'fk-' || gen_random_uuid() || '@example.be' AS e FROM generate_series(1, $1)) s RETURNING id`,
        [n],
      )
    ).rows.map((r) => r.id);
  const insertEvents = (leadIds: string[]) =>
    t.db.query(
      `INSERT INTO events (lead_id, type, occurred_at) SELECT l, 'page_viewed', now() FROM unnest($1::uuid[]) AS l RETURNING id`,
      [leadIds],
    );
  const insertLedger = (rows: [string, string | null][]) =>
    t.db.query(
      `INSERT INTO score_ledger (lead_id, event_id, rule_id, model_version, description, points, occurred_at)
       SELECT l, e, 'r', 1, 'test', 1, now() FROM unnest($1::uuid[], $2::uuid[]) AS r(l, e)`,
      [rows.map((r) => r[0]), rows.map((r) => r[1])],
    );
  const failure = (p: Promise<unknown>) => p.then(() => 'ok', (err: { code?: string; constraint?: string }) => `${err.code} ${err.constraint}`);
  const count = async (sql: string, values: unknown[]) => Number((await t.db.query(sql, values)).rows[0].n);

  it('refuses a whole batch of events when one names a missing lead, and counts repeated leads once', async () => {
    const [a, b] = await leads(2);
    expect(await failure(insertEvents([a, b, randomUUID()]))).toBe('23503 events_lead_exists');
    expect(await count(`SELECT count(*) AS n FROM events WHERE lead_id = ANY($1)`, [[a, b]])).toBe(0);
    expect(await failure(insertEvents([a, a, b, a]))).toBe('ok');
    expect(await count(`SELECT count(*) AS n FROM events WHERE lead_id = ANY($1)`, [[a, b]])).toBe(4);
  });

  it('refuses ledger rows naming a missing lead or event; rows without an event are allowed', async () => {
    const [a] = await leads(1);
    const [{ id: eventId }] = (await insertEvents([a])).rows;
    expect(await failure(insertLedger([[a, eventId], [randomUUID(), eventId]]))).toBe('23503 score_ledger_lead_exists');
    expect(await failure(insertLedger([[a, eventId], [a, randomUUID()]]))).toBe('23503 score_ledger_event_exists');
    expect(await count(`SELECT count(*) AS n FROM score_ledger WHERE lead_id = $1`, [a])).toBe(0);
    expect(await failure(insertLedger([[a, eventId], [a, eventId], [a, null]]))).toBe('ok');
    expect(await count(`SELECT count(*) AS n FROM score_ledger WHERE lead_id = $1`, [a])).toBe(3);
  });

  it('locks the leads of an event being inserted, as a foreign key does: deleting one waits for the insert', async () => {
    const [a] = await leads(1);
    const other = new pg.Client({ connectionString: t.database.url });
    await other.connect();
    try {
      await t.db.query('BEGIN');
      await insertEvents([a]);
      await other.query(`SET lock_timeout = '200ms'`);
      expect(await failure(other.query('DELETE FROM leads WHERE id = $1', [a]))).toBe('55P03 undefined');
      await t.db.query('COMMIT');
      expect(await count(`SELECT count(*) AS n FROM events WHERE lead_id = $1`, [a])).toBe(1);
    } finally {
      await t.db.query('ROLLBACK').catch(() => undefined);
      await other.end();
    }
  });

  it('finds the leads of a single event by primary key after a large batch on the same connection', async () => {
    const ids = await leads(5000);
    await t.db.query('ANALYZE leads');
    const seqScans = async () => {
      await t.db.query('SELECT pg_stat_force_next_flush()');
      await t.db.query('SELECT 1'); // the flush happens at the end of a transaction
      await t.db.query('SELECT pg_stat_clear_snapshot()');
      return Number((await t.db.query(`SELECT seq_scan FROM pg_stat_user_tables WHERE relname = 'leads'`)).rows[0].seq_scan);
    };
    await insertEvents(ids.slice(0, 1000)); // the trigger's statements are planned on this batch
    await insertLedger(ids.slice(0, 1000).map((id) => [id, null]));
    const before = await seqScans();
    for (const id of ids.slice(1000, 1010)) {
      await insertEvents([id]);
      await insertLedger([[id, null]]);
    }
    expect(await seqScans()).toBe(before);
  });
});
