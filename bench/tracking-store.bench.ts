import pg from 'pg';
import { uuidv7 } from '../src/common/uuid-v7.js';
import { runMigrations } from '../src/infra/database/data-source.js';
import { HUMAN } from '../src/tracking/domain/machine-signals.js';
import type { TrackingHit } from '../src/tracking/domain/tracking-hit.js';
import { CLICK_CONTEXT_SQL, hitsJson, STORE_SQL } from '../src/tracking/hit-store-sql.js';
import { postgresCpuSeconds } from './support/proc.js';
import { dropDatabase, freshDatabase, isMain, runToExit } from './support/service.js';
import { BROWSER, LINKS, seedTrackingData } from './support/tracking-data.js';

/**
 * Where the storing statement's PostgreSQL CPU goes, per hit. The tracking worker stores each batch of
 * judged hits with one statement ({@link STORE_SQL}: read the hits' JSON and their messages, insert the
 * interactions, the behaviour events, the scoring-queue rows); this runs that statement on batches of
 * human clicks and, to split its cost, the same statement cut after each part. Each cut is the real
 * statement's text up to that part, so the figures follow the code. Every measured batch is rolled back
 * (the tables keep the size the warm-up gave them); the backend's CPU is read from /proc, so the numbers
 * are PostgreSQL's own, not this process's. Also the click-context read a batch of clicks needs first.
 * Run after a build: `node dist/bench/tracking-store.bench.js`.
 */
const DATABASE = 'nurture_bench_tracking_store';

export interface TrackingStoreBenchOptions {
  leads: number;
  messages: number;
  /** Hits stored (committed) before measuring, so indexes have a live system's depth. */
  warmHits: number;
  batch: number;
  rounds: number;
}

const DEFAULTS: TrackingStoreBenchOptions = { leads: 5_000, messages: 20_000, warmHits: 200_000, batch: 1_000, rounds: 30 };

/** The statement cut after one of its parts: the parts before it run, and their rows are counted. */
function cutAfter(part: 'h' | 'i' | 'e'): string {
  const next = { h: '), i AS (', i: '), e AS (', e: '), q AS (' }[part];
  const at = STORE_SQL.indexOf(next);
  if (at < 0) throw new Error(`STORE_SQL no longer has "${next}": update this benchmark's cuts`);
  // $2 is only read by the events part; the cuts before it still name it, so every variant takes both parameters.
  return `${STORE_SQL.slice(0, at)}) SELECT count(*)::int AS n, $2::text AS received FROM ${part}`;
}

export async function runTrackingStoreBench(options: Partial<TrackingStoreBenchOptions> = {}): Promise<Record<string, number>> {
  const opts = { ...DEFAULTS, ...options };
  const url = await freshDatabase(DATABASE);
  await runMigrations(url);
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const messages = await seedTrackingData(db, opts);
    let clock = Date.now() - 3_600_000;
    /** A batch of human clicks on random messages, one millisecond apart. */
    const clickBatch = (): TrackingHit[] =>
      Array.from({ length: opts.batch }, (_, i) => {
        const link = i % LINKS;
        clock += 1;
        return {
          id: uuidv7(clock),
          kind: 'click',
          messageId: messages[Math.floor(Math.random() * messages.length)],
          linkIndex: link,
          url: `https://example.be/page${link}?m=${i}`,
          method: 'GET',
          userAgent: BROWSER,
          ip: '203.0.113.7',
          at: clock,
        };
      });
    const batchJson = (hits: TrackingHit[]): string => hitsJson(hits, hits.map(() => HUMAN));
    const received = () => new Date().toISOString();
    for (let stored = 0; stored < opts.warmHits; stored += opts.batch) await db.query(STORE_SQL, [batchJson(clickBatch()), received()]);
    await db.query('VACUUM ANALYZE');

    const variants: [label: string, text: string][] = [
      ['hits read and joined to their messages', cutAfter('h')],
      ['+ interactions inserted', cutAfter('i')],
      ['+ behaviour events inserted', cutAfter('e')],
      ['whole statement (+ scoring queue)', STORE_SQL],
    ];
    const cpu = new Map(variants.map(([label]) => [label, 0]));
    let context = 0;
    for (let round = 0; round < opts.rounds; round++) {
      // Alternating variants within each round, so drift in the machine's speed touches them alike.
      for (const [label, text] of variants) {
        const json = batchJson(clickBatch());
        await db.query('BEGIN');
        const before = postgresCpuSeconds(DATABASE);
        await db.query({ name: label, text, values: [json, received()] });
        cpu.set(label, cpu.get(label)! + postgresCpuSeconds(DATABASE) - before);
        await db.query('ROLLBACK');
      }
      const ids = [...new Set(clickBatch().map((h) => h.messageId))];
      const before = postgresCpuSeconds(DATABASE);
      // As HitRecorder reads it: the burst window (2 s) and the honeypot-peer minute either side; no honeypot clicked.
      const at = (ms: number) => new Date(clock + ms).toISOString();
      await db.query({ name: 'context', text: CLICK_CONTEXT_SQL, values: [ids, at(-2_000), at(2_000), at(-60_000), at(60_000), []] });
      context += postgresCpuSeconds(DATABASE) - before;
    }
    const perHit = (seconds: number) => Math.round((seconds * 1e6) / (opts.rounds * opts.batch));
    const results: Record<string, number> = {};
    let previous = 0;
    for (const [label] of variants) {
      const total = perHit(cpu.get(label)!);
      results[`${label}: PostgreSQL µs per hit (cumulative)`] = total;
      results[`${label}: this part alone`] = total - previous;
      previous = total;
    }
    results['click context read: PostgreSQL µs per click'] = perHit(context);
    results['hits per statement'] = opts.batch;
    results['interactions stored before measuring'] = opts.warmHits;
    return results;
  } finally {
    await db.end();
    await dropDatabase(DATABASE);
  }
}

if (isMain(import.meta.url)) runToExit(runTrackingStoreBench);
