import pg from 'pg';
import { TrackingTokenCodec } from '../../src/tracking/domain/tracking-token.js';
import { ConnectionPool } from './http-load.js';
import { clearRedisPrefixes, dropDatabase, freshDatabase, startService, type Service } from './service.js';
import { BROWSER, LINKS, seedTrackingData } from './tracking-data.js';

/** What a tracking benchmark runs against: the service, its database, keep-alive connections and the paths to request. */
export interface TrackingRig {
  api: Service;
  worker: Service;
  /** A connection to the benchmark's database. */
  db: pg.Client;
  pool: ConnectionPool;
  messageIds: string[];
  /** Every seeded message's signed click paths (LINKS per message, in message order) and open paths. */
  clicks: string[];
  opens: string[];
  /** The i-th request of a steady mixed load: clicks and opens in turn, spread over the messages and links. */
  mixed(i: number): string;
  /** The i-th click or open of such a load. */
  click(i: number): string;
  open(i: number): string;
}

/** The service's tracking secret in the benchmarks. */
const SECRET = 'bench-tracking-secret-0123456789abcdef';

/** How big a tracking benchmark's world is: seeded leads and sent messages, and keep-alive connections. */
export interface TrackingLoadOptions {
  leads: number;
  messages: number;
  connections: number;
}

export interface TrackingRigOptions extends TrackingLoadOptions {
  database: string;
  queuePrefix: string;
  port: number;
}

/**
 * Starts the built service as two processes (API and worker) on a fresh database, seeds leads and sent messages,
 * signs their tracking paths and opens the connections; runs `bench`; then stops everything, also when it fails.
 */
export async function withTrackingRig<T>(opts: TrackingRigOptions, bench: (rig: TrackingRig) => Promise<T>): Promise<T> {
  const url = await freshDatabase(opts.database);
  const common = { DATABASE_URL: url, QUEUE_PREFIX: opts.queuePrefix, TRACKING_SECRET: SECRET };
  const services: Service[] = [];
  const db = new pg.Client({ connectionString: url });
  const pool = new ConnectionPool(opts.connections, opts.port, BROWSER);
  try {
    const api = await startService('api', { ...common, PROCESS_ROLE: 'api' }, opts.port);
    services.push(api);
    const worker = await startService('worker', { ...common, PROCESS_ROLE: 'worker', RUN_MIGRATIONS: 'false' });
    services.push(worker);
    await db.connect();
    const messageIds = await seedTrackingData(db, opts);
    const codec = new TrackingTokenCodec(SECRET);
    const clicks = messageIds.flatMap((m) => Array.from({ length: LINKS }, (_, l) => `/t/c/${codec.sign({ k: 'c', m, l })}`));
    const opens = messageIds.map((m) => `/t/o/${codec.sign({ k: 'o', m })}`);
    await pool.open();
    // Every message once on one link, then every message on the next: two clicks on one message come a
    // whole round of messages apart, so they are not a scanner's burst (two links within 2 s) at the rates
    // measured. (Striding over all links at once put the next link of a message 17,679 clicks later, within
    // 2 s from about 9,000 clicks per s: a benchmark near the target judged up to 40 % of its clicks a scanner's.)
    const m = messageIds.length;
    const click = (i: number) => clicks[((i * 7919) % m) * LINKS + (Math.floor(i / m) % LINKS)];
    const open = (i: number) => opens[(i * 31) % m];
    const mixed = (i: number) => (i % 2 ? open(i >> 1) : click(i >> 1));
    return await bench({ api, worker, db, pool, messageIds, clicks, opens, mixed, click, open });
  } finally {
    pool.close();
    await db.end().catch(() => undefined);
    for (const s of services) await s.stop();
    await clearRedisPrefixes([opts.queuePrefix]);
    await dropDatabase(opts.database);
  }
}
