import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { apiCall, type ApiResponse, clearRedisPrefixes, dropDatabase, freshDatabase, isMain, startApiAndWorkers, runToExit, percentile } from './support/service.js';
import { cpuSeconds } from './support/proc.js';

/**
 * Hand-off benchmark on the built service as real processes (one API, two workers) and this machine's
 * PostgreSQL and Redis: 10,000 leads ask for a quote at once (batches of 1,000 events). Measured: the time
 * until every lead has exactly one hand-off with an owner, and until every `handoff.created` webhook was
 * accepted by a local receiver; the webhook latency after hand-off creation; duplicates (hand-offs per lead,
 * webhook-ids received twice); and how far each rep's share is from its weighted share.
 */
const PORT = Number(process.env.BENCH_PORT ?? 3315);
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

function call(method: string, path: string, body?: unknown): Promise<ApiResponse> {
  return apiCall(agent, PORT, method, path, body);
}

/** A sales tool's endpoint: counts webhook-ids and hand-offs, and when each arrived. */
async function startReceiver() {
  const ids = new Map<string, number>();
  const handoffs = new Map<string, number>();
  const latencies: number[] = [];
  let lastAt = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const id = String(req.headers['webhook-id']);
      ids.set(id, (ids.get(id) ?? 0) + 1);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      if (body.type === 'handoff.created' && !handoffs.has(body.data.id)) {
        handoffs.set(body.data.id, Date.now());
        latencies.push(Date.now() - new Date(body.data.createdAt).getTime());
      }
      lastAt = Date.now();
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    ids,
    handoffs,
    latencies,
    lastAt: () => lastAt,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

const REPS = [
  { name: 'Anneleen', weight: 2 },
  { name: 'Bruno', weight: 1 },
  { name: 'Claire', weight: 1 },
  { name: 'Dirk', weight: 1 },
  { name: 'Els', weight: 1 },
];

export async function runHandoffBench(opts = { mqls: 10_000, batchSize: 1000, timeoutMs: 300_000 }) {
  const database = process.env.BENCH_HANDOFF_DB ?? 'nurture_bench_handoff';
  const url = await freshDatabase(database);
  const receiver = await startReceiver();
  const common = {
    DATABASE_URL: url,
    QUEUE_PREFIX: `benchho${Date.now()}`,
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    SCORING_SWEEP_MS: '1000',
    OUTBOX_RELAY_MS: '100',
  };
  const { api, workers } = await startApiAndWorkers(common, PORT);
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const repIds = new Map<string, string>();
    for (const rep of REPS) {
      const res = await call('POST', '/api/v1/sales-reps', { name: rep.name, email: `${rep.name.toLowerCase()}@sales.bench`, weight: rep.weight });
      if (res.status !== 201) throw new Error(`sales rep: ${res.status} ${JSON.stringify(res.body)}`);
      repIds.set(res.body.id, rep.name);
    }
    const hook = await call('POST', '/api/v1/webhooks', { url: receiver.url, events: ['handoff.created'] });
    if (hook.status !== 201) throw new Error(`webhook: ${hook.status} ${JSON.stringify(hook.body)}`);

    const started = Date.now();
    const batches = Array.from({ length: Math.ceil(opts.mqls / opts.batchSize) }, (_, b) =>
      Array.from({ length: Math.min(opts.batchSize, opts.mqls - b * opts.batchSize) }, (_, i) => ({
        email: `lead${b * opts.batchSize + i}@klant.bench`,
        type: 'quote_requested',
        properties: { product: 'website' },
      })),
    );
    // All at once: every batch in flight together.
    const answers = await Promise.all(batches.map((events) => call('POST', '/api/v1/events', { events })));
    const failed = answers.filter((a) => a.status !== 202).length;
    const acceptedMs = Date.now() - started;
    log(`accepted ${opts.mqls} quote requests in ${acceptedMs} ms (${failed} failed requests)`);

    const handoffsMs = await until(opts.timeoutMs, async () => {
      const { rows } = await db.query(`SELECT count(*)::int AS n, count(owner_id)::int AS owned FROM handoffs`);
      return rows[0].n >= opts.mqls && rows[0].owned >= opts.mqls;
    });
    const handoffsDoneMs = handoffsMs - started;
    log(`all hand-offs created and assigned after ${handoffsDoneMs} ms`);
    await until(opts.timeoutMs, async () => receiver.handoffs.size >= opts.mqls);
    const webhooksDoneMs = receiver.lastAt() - started;
    log(`all webhooks delivered after ${webhooksDoneMs} ms`);
    await new Promise((r) => setTimeout(r, 1000)); // let any duplicate show up

    const [{ dupes }] = (await db.query(`SELECT count(*)::int AS dupes FROM (SELECT lead_id FROM handoffs GROUP BY lead_id HAVING count(*) > 1) d`)).rows;
    const [{ n: total }] = (await db.query(`SELECT count(*)::int AS n FROM handoffs`)).rows;
    const shares: { owner_id: string; n: number }[] = (await db.query(`SELECT owner_id, count(*)::int AS n FROM handoffs GROUP BY owner_id`)).rows;
    const totalWeight = REPS.reduce((s, r) => s + r.weight, 0);
    const deviation = Math.max(
      ...shares.map((s) => {
        const weight = REPS.find((r) => r.name === repIds.get(s.owner_id))!.weight;
        return Math.abs(s.n - (total * weight) / totalWeight);
      }),
    );
    const { rows: delivery } = await db.query(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE status = 'delivered')::int AS delivered, max(attempts)::int AS max_attempts FROM webhook_deliveries`,
    );
    const redelivered = [...receiver.ids.values()].filter((n) => n > 1).length;
    const phases = await phaseFigures(db, started);
    const cpu = [api, ...workers].map((s) => processCpuSeconds(s.child.pid));
    const latencies = [...receiver.latencies].sort((a, b) => a - b);
    return {
      mqls: opts.mqls,
      failedRequests: failed,
      acceptedMs,
      allHandoffsAssignedMs: handoffsDoneMs,
      allWebhooksDeliveredMs: webhooksDoneMs,
      handoffsPerSecond: Math.round((opts.mqls / handoffsDoneMs) * 1000),
      handoffs: total,
      leadsWithTwoHandoffs: dupes,
      webhookDeliveries: delivery[0].n,
      webhooksDeliveredStatus: delivery[0].delivered,
      webhookIdsReceivedTwice: redelivered,
      maxDeliveryAttempts: delivery[0].max_attempts,
      webhookLatencyP50Ms: percentile(latencies, 50),
      webhookLatencyP99Ms: percentile(latencies, 99),
      ...phases,
      apiCpuS: cpu[0],
      workersCpuS: +(cpu[1] + cpu[2]).toFixed(1),
      sharesByRep: shares.map((s) => `${repIds.get(s.owner_id)}:${s.n}`).sort().join(' '),
      maxShareDeviation: +deviation.toFixed(2),
      apiPeakRssMb: Math.round(api.peakRssMb()),
      workerPeakRssMb: Math.round(Math.max(...workers.map((w) => w.peakRssMb()))),
    };
  } finally {
    await db.end();
    await api.stop();
    for (const w of workers) await w.stop();
    await receiver.close();
    agent.destroy();
    await clearRedisPrefixes([common.QUEUE_PREFIX]);
    await dropDatabase(database);
  }
}

const log = (msg: string) => console.error(`[handoff bench] ${msg}`);

/**
 * Where the time goes, from the rows' own timestamps (the services' clocks are this machine's): when the
 * last lead became an MQL, the last hand-off was created and the last delivery row written and delivered
 * (ms after the quote requests were sent); the relay lag from `lead.mql` to its hand-off and from the
 * hand-off to its delivery row; and the queue+send time from delivery row to delivered.
 */
async function phaseFigures(db: pg.Client, started: number): Promise<Record<string, number>> {
  const since = (col: string) => `round(extract(epoch FROM ${col}) * 1000 - ${started})::int`;
  const { rows: [r] } = await db.query(`
    SELECT (SELECT ${since('max(mql_at)')} FROM leads) AS last_mql_ms,
           (SELECT ${since('max(created_at)')} FROM handoffs) AS last_handoff_ms,
           (SELECT ${since('max(created_at)')} FROM webhook_deliveries) AS last_delivery_row_ms,
           (SELECT ${since('max(delivered_at)')} FROM webhook_deliveries) AS last_delivered_ms,
           (SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM h.created_at - o.occurred_at) * 1000))::int
              FROM handoffs h JOIN outbox_events o ON o.id = h.outbox_event_id) AS mql_to_handoff_p50_ms,
           (SELECT round(max(extract(epoch FROM h.created_at - o.occurred_at) * 1000))::int
              FROM handoffs h JOIN outbox_events o ON o.id = h.outbox_event_id) AS mql_to_handoff_max_ms,
           (SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM d.created_at - d.occurred_at) * 1000))::int
              FROM webhook_deliveries d) AS handoff_to_delivery_row_p50_ms,
           (SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM d.delivered_at - d.created_at) * 1000))::int
              FROM webhook_deliveries d) AS delivery_row_to_delivered_p50_ms,
           (SELECT round(max(extract(epoch FROM d.delivered_at - d.created_at) * 1000))::int
              FROM webhook_deliveries d) AS delivery_row_to_delivered_max_ms`);
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k.replace(/_(\w)/g, (_, c: string) => c.toUpperCase()), Number(v)]));
}

/** CPU seconds a service process has used so far, to 0.1 s. */
function processCpuSeconds(pid: number | undefined): number {
  return +cpuSeconds(pid).toFixed(1);
}

async function until(timeoutMs: number, check: () => Promise<boolean>): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return Date.now();
    if (Date.now() > deadline) throw new Error(`not done within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

if (isMain(import.meta.url)) runToExit(runHandoffBench);
