import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { loadavg } from 'node:os';
import pg from 'pg';
import { TrackingTokenCodec } from '../src/tracking/domain/tracking-token.js';
import { freshDatabase, isMain, percentile, startService, type Service } from './support/service.js';

/**
 * Tracking benchmark: the built service as two processes (API and worker) on this machine's PostgreSQL
 * and Redis, loaded from this process over keep-alive connections on 127.0.0.1. Measures click redirects
 * and pixel requests per second at saturation, latency at a steady 5,000 requests/s (from the moment each
 * request was due, so queueing counts), and how long hits take to reach PostgreSQL (stored_at − occurred_at
 * per hit, and the wait after the last answer until every answered hit is stored).
 * Run after a build: `node dist/bench/tracking.bench.js`.
 */
const PORT = Number(process.env.TRACKING_BENCH_PORT ?? 3317);
const SECRET = 'bench-tracking-secret-0123456789abcdef';
const BROWSER = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const LINKS = 5;

export interface TrackingBenchOptions {
  leads: number;
  messages: number;
  connections: number;
  saturationSeconds: number;
  steadyRps: number;
  steadySeconds: number;
}

const DEFAULTS: TrackingBenchOptions = { leads: 5_000, messages: 20_000, connections: 64, saturationSeconds: 10, steadyRps: 5_000, steadySeconds: 10 };

export async function runTrackingBench(options: Partial<TrackingBenchOptions> = {}): Promise<Record<string, number>> {
  const opts = { ...DEFAULTS, ...options };
  const url = await freshDatabase('nurture_bench_tracking');
  const common = { DATABASE_URL: url, QUEUE_PREFIX: `benchtr${Date.now()}`, TRACKING_SECRET: SECRET };
  const services: Service[] = [];
  const db = new pg.Client({ connectionString: url });
  const pool = new ConnectionPool(opts.connections);
  try {
    services.push(await startService('api', { ...common, PROCESS_ROLE: 'api' }, PORT));
    services.push(await startService('worker', { ...common, PROCESS_ROLE: 'worker', RUN_MIGRATIONS: 'false' }));
    await db.connect();
    const messageIds = await seed(db, opts);
    const codec = new TrackingTokenCodec(SECRET);
    const clicks = messageIds.flatMap((m) => Array.from({ length: LINKS }, (_, l) => `/t/c/${codec.sign({ k: 'c', m, l })}`));
    const opens = messageIds.map((m) => `/t/o/${codec.sign({ k: 'o', m })}`);
    await pool.open();
    const results: Record<string, number> = { 'machine load average at start (1 min, 2 cores)': loadavg()[0] };
    let answered = 0;

    // Warm-up: JIT, connection pools, and every message's links in the API's cache (as after real sends).
    log('warm-up');
    answered += (await closedLoop(pool, (i) => clicks[(i % messageIds.length) * LINKS], { count: messageIds.length })).ok;
    answered += (await closedLoop(pool, (i) => opens[i % opens.length], { seconds: 2 })).ok;
    await allStored(db, answered, 60_000);

    const cpu = new CpuMeter({ api: services[0].child.pid!, worker: services[1].child.pid!, 'load generator': process.pid }, 'nurture_bench_tracking');
    for (const [name, paths, expected] of [['click redirects', clicks, 302], ['open pixel', opens, 200]] as const) {
      log(`${name}: saturation for ${opts.saturationSeconds} s`);
      cpu.start();
      const run = await closedLoop(pool, (i) => paths[(i * 7919) % paths.length], { seconds: opts.saturationSeconds, expected });
      Object.assign(results, cpu.report(`${name}: CPU %`));
      answered += run.ok;
      const waited = await allStored(db, answered, 120_000);
      results[`${name}: requests/s (saturation, ${opts.connections} connections)`] = Math.round(run.ok / run.seconds);
      results[`${name}: p99 at saturation (ms)`] = run.p99;
      results[`${name}: failed requests`] = run.failed;
      results[`${name}: all stored, after the last answer (ms)`] = waited;
    }

    log(`steady ${opts.steadyRps}/s for ${opts.steadySeconds} s (half clicks, half opens)`);
    const [{ since }] = (await db.query(`SELECT clock_timestamp() AS since`)).rows;
    cpu.start();
    const steady = await openLoop(pool, (i) => (i % 2 ? opens[(i * 31) % opens.length] : clicks[(i * 7919) % clicks.length]), opts.steadyRps, opts.steadySeconds);
    Object.assign(results, cpu.report('steady: CPU %'));
    answered += steady.ok;
    const waited = await allStored(db, answered, 120_000);
    const [lag] = (
      await db.query(
        `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99, max(ms) AS max
           FROM (SELECT extract(epoch FROM stored_at - occurred_at) * 1000 AS ms FROM email_interactions WHERE occurred_at >= $1) x`,
        [since],
      )
    ).rows;
    Object.assign(results, {
      [`steady: requests/s achieved (target ${opts.steadyRps})`]: Math.round(steady.ok / steady.seconds),
      'steady: latency p50 (ms)': steady.p50,
      'steady: latency p99 (ms)': steady.p99,
      'steady: latency max (ms)': steady.max,
      'steady: failed requests': steady.failed,
      'steady: hit stored after arrival p50 (ms)': Math.round(lag.p50),
      'steady: hit stored after arrival p99 (ms)': Math.round(lag.p99),
      'steady: hit stored after arrival max (ms)': Math.round(lag.max),
      'steady: all stored, after the last answer (ms)': waited,
      'interactions stored in total': answered,
      'api peak RSS (MB)': Math.round(services[0].peakRssMb()),
      'worker peak RSS (MB)': Math.round(services[1].peakRssMb()),
      'machine load average at end (1 min)': loadavg()[0],
    });
    return results;
  } finally {
    pool.close();
    await db.end().catch(() => undefined);
    for (const s of services) await s.stop();
  }
}

/** Leads, and sent nurture messages with five links each (sent a day ago, so clicks are not "too soon"). */
async function seed(db: pg.Client, opts: TrackingBenchOptions): Promise<string[]> {
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
async function allStored(db: pg.Client, count: number, timeoutMs: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM email_interactions`);
    if (rows[0].n >= count) return Math.round(performance.now() - started);
    if (performance.now() - started > timeoutMs) throw new Error(`only ${rows[0].n} of ${count} hits stored after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Where the CPU went during a phase, in % of one core: the service's processes, this database's PostgreSQL
 * backends, Redis, the load generator, kernel interrupt handling, hypervisor steal, and other processes on
 * the machine (other work may share it: compare runs only when that is low).
 */
class CpuMeter {
  private before: Record<string, number> = {};
  private startedAt = 0;

  constructor(
    private readonly pids: Record<string, number>,
    private readonly database: string,
  ) {}

  start(): void {
    this.before = this.sample();
    this.startedAt = performance.now();
  }

  report(prefix: string): Record<string, number> {
    const after = this.sample();
    const seconds = (performance.now() - this.startedAt) / 1000;
    const pct = (k: string) => Math.round((after[k] - this.before[k]) / seconds); // 100 ticks a second = one core
    const out: Record<string, number> = {};
    let named = 0;
    for (const k of Object.keys(after)) {
      if (k === 'machine') continue;
      out[`${prefix} ${k}`] = pct(k);
      named += pct(k);
    }
    out[`${prefix} other processes`] = pct('machine') - named;
    return out;
  }

  private sample(): Record<string, number> {
    const ticks = (pid: number) => {
      try {
        const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
        return Number(f[11]) + Number(f[12]);
      } catch {
        return 0;
      }
    };
    const out: Record<string, number> = { postgres: 0, redis: 0 };
    for (const [name, pid] of Object.entries(this.pids)) out[name] = ticks(pid);
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let cmd = '';
      try {
        cmd = readFileSync(`/proc/${entry}/cmdline`, 'latin1');
      } catch {
        continue;
      }
      if (cmd.startsWith('postgres:') && cmd.includes(` ${this.database} `)) out.postgres += ticks(Number(entry));
      else if (cmd.startsWith('redis-server')) out.redis += ticks(Number(entry));
    }
    const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
    // user nice system idle iowait irq softirq steal: network interrupts and hypervisor steal are no process's
    out['kernel interrupts (network)'] = fields[5] + fields[6];
    out['stolen by the hypervisor'] = fields[7];
    out.machine = fields.slice(0, 8).reduce((a, b) => a + b, 0) - fields[3] - fields[4];
    return out;
  }
}

interface RunResult {
  ok: number;
  failed: number;
  seconds: number;
  p50: number;
  p99: number;
  max: number;
}

function summary(latencies: number[], ok: number, failed: number, seconds: number): RunResult {
  latencies.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 100) / 100;
  return { ok, failed, seconds, p50: round(percentile(latencies, 50)), p99: round(percentile(latencies, 99)), max: round(latencies.at(-1) ?? NaN) };
}

/** Every connection sends its next request as soon as the previous one is answered, for a time or a count. */
async function closedLoop(pool: ConnectionPool, path: (i: number) => string, limit: { seconds?: number; count?: number; expected?: number }): Promise<RunResult> {
  const latencies: number[] = [];
  let next = 0;
  let failed = 0;
  const started = performance.now();
  const deadline = started + (limit.seconds ?? Infinity) * 1000;
  await Promise.all(
    pool.connections.map(async (c) => {
      while (performance.now() < deadline && next < (limit.count ?? Infinity)) {
        const sent = performance.now();
        const status = await c.get(path(next++));
        latencies.push(performance.now() - sent);
        if (limit.expected !== undefined && status !== limit.expected) failed++;
      }
    }),
  );
  return summary(latencies, latencies.length - failed, failed, (performance.now() - started) / 1000);
}

/** Requests at a fixed rate whatever the answers do; latency counts from when each request was due. */
async function openLoop(pool: ConnectionPool, path: (i: number) => string, rps: number, seconds: number): Promise<RunResult> {
  const latencies: number[] = [];
  const total = rps * seconds;
  let failed = 0;
  let sent = 0;
  const inflight: Promise<void>[] = [];
  const started = performance.now();
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) * rps) / 1000));
    for (; sent < due; sent++) {
      const dueAt = started + (sent * 1000) / rps;
      const i = sent;
      inflight.push(
        pool.get(path(i)).then((status) => {
          latencies.push(performance.now() - dueAt);
          if (status >= 400) failed++;
        }),
      );
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(inflight);
  return summary(latencies, total - failed, failed, (performance.now() - started) / 1000);
}

/**
 * A minimal HTTP/1.1 client on raw keep-alive sockets: one request at a time per connection, responses
 * framed by Content-Length (all the service sends here). Much cheaper per request than node:http, so the
 * load generator does not take the CPU the service needs on a small machine.
 */
class Connection {
  private socket!: net.Socket;
  private buffer: Buffer = Buffer.alloc(0);
  private waiting: ((status: number) => void) | null = null;

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket = net.connect({ host: '127.0.0.1', port: PORT, noDelay: true }, resolve);
      this.socket.once('error', reject);
      this.socket.on('data', (chunk) => this.read(chunk));
    });
  }

  get(path: string): Promise<number> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${PORT}\r\nUser-Agent: ${BROWSER}\r\n\r\n`);
    });
  }

  close(): void {
    this.socket?.destroy();
  }

  private read(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const headEnd = this.buffer.indexOf('\r\n\r\n');
    if (headEnd < 0) return;
    const head = this.buffer.toString('latin1', 0, headEnd);
    const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
    if (this.buffer.length < headEnd + 4 + length) return;
    this.buffer = this.buffer.subarray(headEnd + 4 + length);
    const done = this.waiting;
    this.waiting = null;
    done?.(Number(head.slice(9, 12)));
  }
}

class ConnectionPool {
  readonly connections: Connection[];
  private readonly idle: Connection[] = [];
  private readonly queue: ((c: Connection) => void)[] = [];

  constructor(size: number) {
    this.connections = Array.from({ length: size }, () => new Connection());
  }

  async open(): Promise<void> {
    await Promise.all(this.connections.map((c) => c.open()));
    this.idle.push(...this.connections);
  }

  /** A request on the next free connection (waiting for one when all are busy). */
  async get(path: string): Promise<number> {
    const c = this.idle.pop() ?? (await new Promise<Connection>((r) => this.queue.push(r)));
    try {
      return await c.get(path);
    } finally {
      const waiter = this.queue.shift();
      if (waiter) waiter(c);
      else this.idle.push(c);
    }
  }

  close(): void {
    for (const c of this.connections) c.close();
  }
}

const log = (msg: string) => console.error(`[tracking bench] ${msg}`);

if (isMain(import.meta.url)) {
  runTrackingBench()
    .then((results) => {
      const width = Math.max(...Object.keys(results).map((k) => k.length));
      for (const [name, value] of Object.entries(results)) console.log(`${name.padEnd(width)}  ${String(value).padStart(10)}`);
      process.exit(0);
    })
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
