import http from 'node:http';
import pg from 'pg';
import { BENCH_ADMIN_KEY, clearRedisPrefixes, dropDatabase, freshDatabase, isMain, runToExit, percentile, startService } from './support/service.js';
import { cpuSeconds } from './support/proc.js';

/**
 * Ingestion benchmark: the built service as two processes (API and worker) on this machine's
 * PostgreSQL and Redis. Measures sustained events/s through the batch endpoint with scores kept
 * current, the scoring lag, single-event latency at a steady 500 requests/s, and peak memory.
 */
const PORT = Number(process.env.BENCH_PORT ?? 3311);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function post(path: string, body: unknown): Promise<{ status: number; ms: number }> {
  const data = Buffer.from(JSON.stringify(body));
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: PORT,
        path,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': data.length, authorization: `Bearer ${BENCH_ADMIN_KEY}` },
      },
      (res) => {
        res.resume();
        const done = () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started });
        res.on('end', done);
        res.on('close', done);
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(data);
  });
}

/** Sizes; INGEST_BATCHES, INGEST_LEADS and INGEST_LATENCY_SECONDS shrink a run while iterating. */
const DEFAULTS = {
  batches: Number(process.env.INGEST_BATCHES ?? 300),
  batchSize: 1000,
  concurrency: 4,
  leads: Number(process.env.INGEST_LEADS ?? 50_000),
  latencySeconds: Number(process.env.INGEST_LATENCY_SECONDS ?? 10),
  rps: 500,
};

/** CPU seconds of the service processes and of the PostgreSQL backends serving the bench database. */
async function cpuSnapshot(db: pg.Client, pids: { api?: number; worker?: number }): Promise<{ api: number; worker: number; pg: Map<number, number> }> {
  const { rows } = await db.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`);
  return { api: cpuSeconds(pids.api), worker: cpuSeconds(pids.worker), pg: new Map(rows.map((r) => [r.pid as number, cpuSeconds(r.pid)])) };
}

/** µs of CPU per event between two snapshots (backends that appeared meanwhile count from zero). */
function cpuPerEvent(a: Awaited<ReturnType<typeof cpuSnapshot>>, b: Awaited<ReturnType<typeof cpuSnapshot>>, events: number) {
  let pgSeconds = 0;
  for (const [pid, s] of b.pg) pgSeconds += s - (a.pg.get(pid) ?? 0);
  const us = (s: number) => Math.round((s / events) * 1e6 * 10) / 10;
  return { api: us(b.api - a.api), worker: us(b.worker - a.worker), pg: us(pgSeconds) };
}

export async function runIngestBench(opts = DEFAULTS) {
  const url = await freshDatabase('nurture_bench_ingest');
  const common = { DATABASE_URL: url, QUEUE_PREFIX: `bench${Date.now()}`, SCORING_SWEEP_MS: '1000' };
  const api = await startService('api', { ...common, PROCESS_ROLE: 'api' }, PORT);
  const worker = await startService('worker', { ...common, PROCESS_ROLE: 'worker', RUN_MIGRATIONS: 'false' });
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    // Warm-up: create the leads so the measured run is the steady state of known leads.
    for (let i = 0; i < opts.leads; i += opts.batchSize) {
      const events = Array.from({ length: opts.batchSize }, (_, j) => ({ email: `lead${i + j}@bench.example`, type: 'newsletter_subscribed' }));
      await post('/api/v1/events', { events });
    }
    await drain(db, 60_000);
    log('warm-up done');

    // Throughput: batches of 1,000 events, several requests in flight, while sampling the scoring lag.
    let maxLagMs = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const { rows } = await db.query(`SELECT coalesce(extract(epoch FROM now() - min(enqueued_at)) * 1000, 0)::float8 AS lag FROM scoring_queue`);
        maxLagMs = Math.max(maxLagMs, rows[0].lag);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const pids = { api: api.child.pid, worker: worker.child.pid };
    const cpuBefore = await cpuSnapshot(db, pids);
    const types = ['page_viewed', 'email_opened', 'email_clicked', 'content_downloaded', 'form_submitted'];
    let next = 0;
    let failed = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: opts.concurrency }, async () => {
        while (next < opts.batches) {
          const b = next++;
          const events = Array.from({ length: opts.batchSize }, (_, j) => ({
            email: `lead${(b * opts.batchSize + j * 7919) % opts.leads}@bench.example`,
            type: types[j % types.length],
            properties: { url: j % 10 === 0 ? 'https://example.be/pricing' : 'https://example.be/blog/x' },
          }));
          const res = await post('/api/v1/events', { events });
          if (res.status !== 202) failed++;
        }
      }),
    );
    const acceptedSeconds = (performance.now() - started) / 1000;
    log(`accepted ${opts.batches * opts.batchSize} events in ${acceptedSeconds.toFixed(1)} s`);
    await drain(db, 120_000);
    const scoredSeconds = (performance.now() - started) / 1000;
    sampling = false;
    await sampler;
    const total = opts.batches * opts.batchSize;
    const cpu = cpuPerEvent(cpuBefore, await cpuSnapshot(db, pids), total);

    log('scored');
    // Latency: single-event POSTs at a steady rate.
    const latencies: number[] = [];
    const interval = 1000 / opts.rps;
    const count = opts.rps * opts.latencySeconds;
    const latencyCpuBefore = await cpuSnapshot(db, pids);
    const t0 = performance.now();
    const inflight: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      const due = t0 + i * interval;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      inflight.push(
        post('/api/v1/events', { email: `lead${i % opts.leads}@bench.example`, type: 'page_viewed', properties: { url: 'https://example.be/' } }).then((r) => {
          latencies.push(r.ms);
        }),
      );
    }
    await Promise.all(inflight);
    const achievedRps = count / ((performance.now() - t0) / 1000);
    await drain(db, 60_000);
    const latencyCpu = cpuPerEvent(latencyCpuBefore, await cpuSnapshot(db, pids), count);
    latencies.sort((a, b) => a - b);

    const [{ n: ledgerRows }] = (await db.query(`SELECT count(*)::int AS n FROM score_ledger`)).rows;
    return {
      events: total,
      failedRequests: failed,
      acceptedPerSecond: Math.round(total / acceptedSeconds),
      scoredPerSecond: Math.round(total / scoredSeconds),
      maxScoringLagMs: Math.round(maxLagMs),
      ledgerRows,
      cpuUsPerEventApi: cpu.api,
      cpuUsPerEventWorker: cpu.worker,
      cpuUsPerEventPg: cpu.pg,
      singleEventRps: Math.round(achievedRps),
      singleEventP50Ms: +percentile(latencies, 50).toFixed(2),
      singleEventP99Ms: +percentile(latencies, 99).toFixed(2),
      singleEventCpuUsApi: latencyCpu.api,
      singleEventCpuUsWorker: latencyCpu.worker,
      singleEventCpuUsPg: latencyCpu.pg,
      apiPeakRssMb: Math.round(api.peakRssMb()),
      workerPeakRssMb: Math.round(worker.peakRssMb()),
    };
  } finally {
    await db.end();
    await api.stop();
    await worker.stop();
    agent.destroy();
    await clearRedisPrefixes([common.QUEUE_PREFIX]);
    await dropDatabase('nurture_bench_ingest');
  }
}

const log = (msg: string) => console.error(`[ingest bench] ${msg}`);

async function drain(db: pg.Client, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM scoring_queue`);
    if (rows[0].n === 0) return;
    if (Date.now() > deadline) throw new Error(`scoring did not catch up: ${rows[0].n} events waiting`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

if (isMain(import.meta.url)) runToExit(runIngestBench);
