import fc from 'fast-check';
import pg from 'pg';
import { ensurePrepared, sendTogether, ServerStatement, sqlLiteral } from '../src/infra/database/simple-protocol.js';
import { adminUrl } from './support/test-env.js';

/** Literals and server-prepared statements read back exactly what the same values give as parameters (no table touched). */
describe('simple-protocol against PostgreSQL', () => {
  let db: pg.Client;
  beforeAll(async () => {
    db = new pg.Client({ connectionString: adminUrl() });
    await db.connect();
  });
  afterAll(() => db.end());

  // Any text PostgreSQL can store (no NUL), with quotes, backslashes, braces, commas and non-ASCII over-represented.
  const text = fc.string({ unit: fc.oneof(fc.constantFrom("'", '\\', '"', '{', '}', ',', ' ', 'NULL', 'é', '😀', '$'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })) }).filter((s) => !s.includes('\u0000'));

  it('a text literal and a text[] literal equal the values sent as parameters', async () => {
    await fc.assert(
      fc.asyncProperty(text, fc.array(fc.option(text, { nil: null }), { maxLength: 6 }), async (s, arr) => {
        const { rows } = await db.query(`SELECT ${sqlLiteral(s)}::text AS s, ${sqlLiteral(arr)}::text[] AS arr, $1::text AS ps, $2::text[] AS parr`, [s, arr]);
        expect(rows[0].s).toBe(s);
        expect(rows[0].arr).toEqual(arr);
        expect(rows[0].arr).toEqual(rows[0].parr);
      }),
      { numRuns: 150 },
    );
  });

  it('prepares once per connection, then runs statements joined in one message; a failing one skips the rest', async () => {
    const stmt = new ServerStatement('SELECT $1::uuid[] AS ids, $2::timestamptz AS at, $3::jsonb AS doc');
    await ensurePrepared(db, [stmt]);
    await ensurePrepared(db, [stmt]); // remembered: a second PREPARE of the name would fail
    const ids = ['7d0c6a8e-2f4b-4c1e-9a55-0f1e2d3c4b5a'];
    const at = new Date('2026-03-02T10:00:00.123Z');
    const [begin, rows, commit] = await sendTogether(db, ['BEGIN', stmt.execute([ids, at, JSON.stringify({ q: "it's \\ ok" })]), 'COMMIT']);
    expect(begin).toEqual([]);
    expect(rows).toEqual([{ ids, at, doc: { q: "it's \\ ok" } }]);
    expect(commit).toEqual([]);

    await db.query('CREATE TEMP TABLE sp_probe (n int)');
    await expect(sendTogether(db, ['BEGIN', 'INSERT INTO sp_probe VALUES (1)', 'SELECT 1/0', 'COMMIT'])).rejects.toThrow(/division by zero/);
    await db.query('ROLLBACK');
    expect((await db.query('SELECT count(*)::int AS n FROM sp_probe')).rows[0].n).toBe(0);
  });
});
