import fc from 'fast-check';
import pg from 'pg';
import { epochMsSql } from '../src/infra/database/epoch-ms.js';
import { adminUrl } from './support/test-env.js';

/** epochMsSql reads a timestamptz as the whole milliseconds Date.getTime() gives for it (no table touched). */
describe('timestamps read as epoch milliseconds', () => {
  let db: pg.Client;
  beforeAll(async () => {
    db = new pg.Client({ connectionString: adminUrl() });
    await db.connect();
  });
  afterAll(() => db.end());

  it('equals the parsed timestamp to the millisecond, microseconds and times before 1970 included', async () => {
    const instants = fc.sample(fc.integer({ min: -2e12, max: 4e12 }), 200).map((ms, i) => ({ ms, micros: (i * 7919) % 1000 }));
    instants.push({ ms: 0, micros: 999 }, { ms: -1, micros: 1 }, { ms: 1_764_000_000_123, micros: 456 });
    const { rows } = await db.query(
      `SELECT ${epochMsSql('t')} AS ms, t AS parsed
         FROM unnest($1::float8[], $2::int[]) AS u(ms, micros),
              LATERAL (SELECT to_timestamp(0) + (u.ms * 1000 + u.micros) * interval '1 microsecond' AS t) x`,
      [instants.map((i) => i.ms), instants.map((i) => i.micros)],
    );
    rows.forEach((r, i) => {
      expect(r.ms).toBe(instants[i].ms);
      expect(r.ms).toBe((r.parsed as Date).getTime());
    });
  });
});
