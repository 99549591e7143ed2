import http from 'node:http';
import { ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { loadConfig } from '../../src/config/app-config.js';
import { peakRssMbOf, rssMb } from './proc.js';

/** Helpers for benchmarks: a fresh database, the built service as real child processes, and peak-memory readings. */

export const ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const BENCH_ADMIN_KEY = 'bench-admin-key-0123456789abcdef';
const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));

export function dbUrl(name: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Drops a benchmark's database at the end of its run, so benchmarks leave no databases behind. */
export async function dropDatabase(name: string): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await c.end();
  }
}

/**
 * Deletes every Redis key under the given queue prefixes (queues, rate-limit keys, the tracking buffer), on the
 * service's Redis unless told another (the tests' support uses it on theirs).
 */
export async function clearRedisPrefixes(prefixes: string[], redisUrl = loadConfig({}).redisUrl): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    for (const prefix of prefixes) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length) await redis.del(...keys);
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
}

export async function freshDatabase(name: string): Promise<string> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  return dbUrl(name);
}

export interface Service {
  name: string;
  child: ChildProcess;
  stop(): Promise<void>;
  peakRssMb(): number;
}

/** Starts `node dist/src/main.js` with the given role and waits until it is ready. */
export async function startService(name: string, env: Record<string, string>, port?: number): Promise<Service> {
  // BENCH_NODE_FLAGS: extra node flags for the services (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) when profiling.
  const flags = (process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...flags, MAIN], {
    env: { ...process.env, LOG_LEVEL: 'warn', ADMIN_API_KEY: BENCH_ADMIN_KEY, DOCS_UI: 'false', ...env, ...(port ? { PORT: String(port) } : {}) },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  let peak = 0;
  const sample = setInterval(() => {
    peak = Math.max(peak, rssMb(child.pid));
  }, 200);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (port) await waitForHealth(port);
  else await new Promise((r) => setTimeout(r, 2500));
  return {
    name,
    child,
    peakRssMb: () => Math.max(peak, peakRssMbOf(child.pid)),
    stop: async () => {
      clearInterval(sample);
      peak = Math.max(peak, peakRssMbOf(child.pid));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** One API process on `port` (it runs the migrations) and `workers` worker processes, with the same environment. */
export async function startApiAndWorkers(env: Record<string, string>, port: number, workers = 2): Promise<{ api: Service; workers: Service[] }> {
  const api = await startService('api', { ...env, PROCESS_ROLE: 'api' }, port);
  const started: Service[] = [];
  for (let i = 1; i <= workers; i++) started.push(await startService(`worker-${i}`, { ...env, PROCESS_ROLE: 'worker', RUN_MIGRATIONS: 'false' }));
  return { api, workers: started };
}

export async function waitForHealth(port: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`service on port ${port} did not become healthy`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export function isMain(metaUrl: string): boolean {
  return process.argv[1] !== undefined && fileURLToPath(metaUrl) === process.argv[1];
}

/**
 * Runs a benchmark as the whole program (`node dist/bench/<name>.js`): shows its result (a table by default)
 * and exits 0, or prints the error and exits 1.
 */
export function runToExit<T>(run: () => Promise<T>, show: (result: T) => void = (result) => console.table(result)): void {
  run().then(
    (result) => {
      show(result);
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}

/** Figures one per line, names padded to one column and values right-aligned (integers with thousands separators). */
export function printFigures(results: Record<string, number>): void {
  const width = Math.max(...Object.keys(results).map((k) => k.length));
  for (const [name, value] of Object.entries(results)) {
    const shown = Number.isInteger(value) ? value.toLocaleString('en') : value.toFixed(value < 10 ? 2 : 1);
    console.log(`${name.padEnd(width)}  ${shown.padStart(10)}`);
  }
}

export interface ApiResponse {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- whatever the endpoint answers
  ms: number;
}

/** One admin-key JSON request to the service on `port` over `agent` (keep-alive), with its wall time. */
export function apiCall(agent: http.Agent, port: number, method: string, path: string, body?: unknown): Promise<ApiResponse> {
  const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method,
        agent,
        headers: { authorization: `Bearer ${BENCH_ADMIN_KEY}`, ...(data && { 'content-type': 'application/json', 'content-length': data.length }) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null, ms: performance.now() - started });
        });
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}
