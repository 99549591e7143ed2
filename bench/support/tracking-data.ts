import pg from 'pg';

/** What the tracking benchmarks and floors share: the browser they pose as, the seed data, and the wait for storing. */

/** A desktop Chrome: every hit is a person's as far as the bot rules go. */
export const BROWSER = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

/** Links per seeded message. */
export const LINKS = 5;

/**
 * Leads, and sent nurture messages spread over them with LINKS links each (sent a day ago, so clicks are not
 * "too soon"); returns the message ids.
 */
export async function seedTrackingData(db: pg.Client, opts: { leads: number; messages: number }): Promise<string[]> {
  await db.query(`INSERT INTO leads (email, email_normalized) SELECT 'lead' || i || '@bench.example', 'lead' || i || '@bench.example' FROM generate_series(1, $1) i`, [opts.leads]);
  const { rows } = await db.query(
    `WITH l AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM leads)
     INSERT INTO email_messages (idempotency_key, kind, lead_id, status, links, sent_at, template_id, step_id)
     SELECT 'bench:' || i, 'nurture', l.id, 'sent',
            (SELECT jsonb_agg(jsonb_build_object('index', k, 'url', 'https://example.be/page' || k || '?m=' || i)) FROM generate_series(0, ${LINKS - 1}) k),
            now() - interval '1 day', gen_random_uuid(), 'welcome'
       FROM generate_series(0, $1 - 1) i JOIN l ON l.n = i % $2
     RETURNING id`,
    [opts.messages, opts.leads],
  );
  return rows.map((r: { id: string }) => r.id);
}

/** Waits until PostgreSQL holds `count` interactions; returns how long that took (ms). */
export function allStored(db: pg.Client, count: number, timeoutMs: number): Promise<number> {
  return countReaches(db, `SELECT count(*)::int AS n FROM email_interactions`, (n) => n >= count, timeoutMs, (n) => `only ${n} of ${count} hits stored`);
}

/** Waits until no behaviour event waits for scoring; returns how long that took (ms). */
export function allScored(db: pg.Client, timeoutMs: number): Promise<number> {
  return countReaches(db, `SELECT count(*)::int AS n FROM scoring_queue`, (n) => n === 0, timeoutMs, (n) => `${n} events still wait for scoring`);
}

/** Polls a count every 20 ms until `done` holds; returns how long that took (ms), or fails after `timeoutMs`. */
async function countReaches(db: pg.Client, sql: string, done: (n: number) => boolean, timeoutMs: number, failure: (n: number) => string): Promise<number> {
  const started = performance.now();
  for (;;) {
    const { rows } = await db.query(sql);
    if (done(rows[0].n)) return Math.round(performance.now() - started);
    if (performance.now() - started > timeoutMs) throw new Error(`${failure(rows[0].n)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
