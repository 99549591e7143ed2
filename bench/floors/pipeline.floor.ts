import { fork, type ChildProcess } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { uuidv7 } from '../../src/common/uuid-v7.js';
import { runMigrations } from '../../src/infra/database/data-source.js';
import { closedLoop, ConnectionPool, openLoop, type RunResult } from '../support/http-load.js';
import { cpuSeconds, machineCpuSeconds, pidsOf, postgresCpuSeconds } from '../support/proc.js';
import { dropDatabase, freshDatabase, isMain, runToExit } from '../support/service.js';
import { allStored, BROWSER, seedTrackingData } from '../support/tracking-data.js';
import { serveBarePixel } from './bare-pixel-server.js';

/**
 * A floor for the whole tracking pipeline: the least any design can do that answers each open pixel only
 * once the hit is durable, stores every hit and scores it, on this machine, loaded as the tracking benchmark
 * loads the service (64 keep-alive connections from this process; saturation for 10 s, then a steady 5,000/s).
 *
 * - The server (a bare `node:http` process) checks the token's HMAC, adds each event-loop turn's hits to a
 *   Redis stream with one script call and answers with the GIF once Redis has them.
 * - Two drain loops in a second process read up to 2,000 hits at a time from the stream (a consumer group;
 *   a read of fewer than 500 waits until its oldest hit is 100 ms old and takes what came meanwhile, as the
 *   service's drain lingers) and store and score them in one transaction per read, sent as one simple-protocol round trip: the hits'
 *   messages read, the interaction and behaviour event inserted (the tables, indexes and reference checks are
 *   the service's, from its migrations), the leads locked in id order, one ledger row per hit, and the scores
 *   updated. Then the hits are acknowledged and deleted from the stream.
 * - Nothing else: no judging of bots or scanners (every hit is a person's), no caps (every open earns a
 *   point, so no ledger read), no scoring queue, no programs, no metrics, no logs.
 *
 * So the service cannot beat these figures; where they miss a target, no design of the service can meet it
 * on this machine. After a build: `node dist/bench/floors/pipeline.floor.js`.
 */
const PORT = 3321;
const DATABASE = 'nurture_floor_pipeline';
const STREAM = 'floor:pipeline:hits';
const GROUP = 'floor';
const SECRET = 'floor-pipeline-secret';
const LEADS = 5_000;
const MESSAGES = 50_000;
const CONNECTIONS = 64;
const SECONDS = 10;
const STEADY_RATE = 5_000;
/** A drain loop that read fewer hits than this waits until its oldest is LINGER_MS old, then takes what came meanwhile. */
const MIN_BATCH = 500;
const LINGER_MS = 100;

const mac = (messageId: string) => createHmac('sha256', SECRET).update(messageId).digest('base64url').slice(0, 22);

/** The pixel: `/t/o/{messageId}.{mac}`; a bad MAC gets the GIF and records nothing. */
function serve(): void {
  serveBarePixel({
    port: PORT,
    stream: STREAM,
    hitOf: (req) => {
      const [messageId, given] = req.url!.slice(5).split('.');
      const expected = mac(messageId);
      if (!given || given.length !== expected.length || !timingSafeEqual(Buffer.from(given), Buffer.from(expected))) return null;
      const at = Date.now();
      return JSON.stringify({ id: uuidv7(at), m: messageId, ua: req.headers['user-agent'], ip: req.socket.remoteAddress, t: new Date(at).toISOString() });
    },
  });
}

/** Stores and scores one read of hits in one transaction, one round trip (statements in the simple protocol). */
function storeAndScore(hitsJson: string): string {
  const hits = `'${hitsJson.replace(/'/g, "''")}'::json`;
  return `BEGIN;
    INSERT INTO hb SELECT x.id, m.id, m.lead_id, x.ua, x.ip, x.t
      FROM json_to_recordset(${hits}) AS x(id uuid, m uuid, ua text, ip text, t timestamptz) JOIN email_messages m ON m.id = x.m;
    INSERT INTO email_interactions (id, message_id, lead_id, kind, machine, reason, user_agent, ip, occurred_at)
      SELECT id, message_id, lead_id, 'open', false, 'human', ua, ip, t FROM hb;
    INSERT INTO events (id, lead_id, type, occurred_at, properties, machine, received_at)
      SELECT id, lead_id, 'email_opened', t, jsonb_build_object('messageId', message_id), false, now() FROM hb;
    SELECT count(*) FROM (SELECT 1 FROM leads WHERE id IN (SELECT lead_id FROM hb) ORDER BY id FOR NO KEY UPDATE) locked;
    INSERT INTO score_ledger (lead_id, event_id, rule_id, model_version, description, points, occurred_at)
      SELECT lead_id, id, 'email-opened', 1, 'Opened an email', 1, t FROM hb;
    UPDATE leads l SET engagement_score = engagement_score + c.n, engagement_as_of = now(), updated_at = now()
      FROM (SELECT lead_id, count(*) AS n FROM hb GROUP BY lead_id) c WHERE l.id = c.lead_id;
    COMMIT;`;
}

type Entry = [id: string, fields: string[]];

async function read(redis: Redis, consumer: string, count: number, blockMs: number | null): Promise<Entry[]> {
  const reply = (
    blockMs === null
      ? await redis.xreadgroup('GROUP', GROUP, consumer, 'COUNT', count, 'STREAMS', STREAM, '>')
      : await redis.xreadgroup('GROUP', GROUP, consumer, 'COUNT', count, 'BLOCK', blockMs, 'STREAMS', STREAM, '>')
  ) as [string, Entry[]][] | null;
  return reply?.[0]?.[1] ?? [];
}

function drain(url: string): void {
  const loop = async (name: string) => {
    const redis = new Redis({ host: '127.0.0.1', port: 6379 });
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    await db.query(`CREATE TEMP TABLE hb (id uuid, message_id uuid, lead_id uuid, ua text, ip text, t timestamptz) ON COMMIT DELETE ROWS`);
    for (;;) {
      const entries = await read(redis, name, 2000, 100);
      if (!entries.length) continue;
      // A small read waits for more (up to LINGER_MS after its oldest hit arrived): fewer, bigger transactions.
      const age = Date.now() - Number(entries[0][0].split('-')[0]);
      if (entries.length < MIN_BATCH && age < LINGER_MS) {
        await new Promise((r) => setTimeout(r, LINGER_MS - age));
        entries.push(...(await read(redis, name, 2000 - entries.length, null)));
      }
      await db.query(storeAndScore(`[${entries.map(([, fields]) => fields[1]).join(',')}]`));
      const ids = entries.map(([id]) => id);
      await redis.multi().xack(STREAM, GROUP, ...ids).xdel(STREAM, ...ids).exec();
    }
  };
  void Promise.all([loop('a'), loop('b')]).catch((err) => {
    console.error(err);
    process.exit(1);
  });
  process.send?.('ready');
}

async function run(): Promise<void> {
  const url = await freshDatabase(DATABASE);
  await runMigrations(url);
  const redis = new Redis({ host: '127.0.0.1', port: 6379 });
  await redis.del(STREAM);
  await redis.xgroup('CREATE', STREAM, GROUP, '$', 'MKSTREAM');
  const children: ChildProcess[] = [];
  const db = new pg.Client({ connectionString: url });
  try {
    const start = async (args: string[]) => {
      const child = fork(process.argv[1], args);
      children.push(child);
      await new Promise((resolve) => child.once('message', resolve));
      return child;
    };
    const server = await start(['serve']);
    const drainer = await start(['drain', url]);
    await db.connect();
    const messages = await seedTrackingData(db, { leads: LEADS, messages: MESSAGES });
    const pool = new ConnectionPool(CONNECTIONS, PORT, BROWSER);
    await pool.open();
    const paths = messages.map((m) => `/t/o/${m}.${mac(m)}`);
    const path = (i: number) => paths[(i * 7919) % paths.length];
    const [redisPid] = pidsOf('redis-server');
    const sample = () => ({
      server: cpuSeconds(server.pid),
      worker: cpuSeconds(drainer.pid),
      generator: cpuSeconds(process.pid),
      redis: cpuSeconds(redisPid),
      postgres: postgresCpuSeconds(DATABASE),
      machine: machineCpuSeconds(),
    });
    const report = (name: string, result: RunResult, before: ReturnType<typeof sample>, after: ReturnType<typeof sample>, extra: string) => {
      const n = result.ok + result.failed;
      const us = (s: number) => Math.round((s * 1e6) / n);
      console.log(
        `${name}: ${Math.round(result.ok / result.seconds)} per s, p50 ${result.p50} ms, p99 ${result.p99} ms, ${result.failed} failed; ${extra}; ` +
          `CPU µs per hit: server ${us(after.server - before.server)}, drain ${us(after.worker - before.worker)}, PostgreSQL ${us(after.postgres - before.postgres)}, ` +
          `Redis ${us(after.redis - before.redis)}, load generator ${us(after.generator - before.generator)}, ` +
          `network interrupts ${us(after.machine.interrupts - before.machine.interrupts)}, whole machine ${us(after.machine.busy - before.machine.busy)}`,
      );
    };

    let answered = (await openLoop(pool, path, 2_000, 3)).ok; // warm-up
    await allStored(db, answered, 120_000);

    let before = sample();
    const saturation = await closedLoop(pool, path, { seconds: SECONDS, expected: 200 });
    let after = sample();
    answered += saturation.ok;
    report(`saturation, ${CONNECTIONS} connections`, saturation, before, after, `all stored ${await allStored(db, answered, 120_000)} ms after the last answer`);

    const [{ since }] = (await db.query(`SELECT clock_timestamp() AS since`)).rows;
    before = sample();
    const steady = await openLoop(pool, path, STEADY_RATE, SECONDS);
    after = sample();
    answered += steady.ok;
    const waited = await allStored(db, answered, 120_000);
    const [lag] = (
      await db.query(
        `SELECT round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)) AS p99, round(max(ms)) AS max
           FROM (SELECT extract(epoch FROM stored_at - occurred_at) * 1000 AS ms FROM email_interactions WHERE occurred_at >= $1) x`,
        [since],
      )
    ).rows;
    report(`steady ${STEADY_RATE}/s`, steady, before, after, `each hit stored after it arrived: p99 ${lag.p99} ms, max ${lag.max} ms; all stored ${waited} ms after the last answer`);
    pool.close();
  } finally {
    for (const child of children) child.kill();
    await db.end().catch(() => undefined);
    await redis.del(STREAM);
    redis.disconnect();
    await dropDatabase(DATABASE);
  }
}

if (isMain(import.meta.url)) {
  if (process.argv[2] === 'serve') serve();
  else if (process.argv[2] === 'drain') drain(process.argv[3]);
  else runToExit(run, () => undefined);
}
