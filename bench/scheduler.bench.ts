import http from 'node:http';
import pg from 'pg';
import { claimSql } from '../src/programs/scheduler/enrollment-claim.js';
import { apiCall, type ApiResponse, clearRedisPrefixes, dropDatabase, freshDatabase, isMain, runToExit, type Service, startService } from './support/service.js';
import { cpuSeconds, rssMb } from './support/proc.js';

/**
 * Program scheduler benchmark, on the built service as real processes (one API, two workers) and
 * this machine's PostgreSQL and Redis:
 * - bulk enrollment of 100,000 leads in one request (by id list and by segment);
 * - dispatch lag: 100,000 enrollments of a `wait` program all due at the same instant (the moment
 *   the program is resumed), time until every step has run, and the lateness distribution;
 * - idle cost with 1,000,000 waiting enrollments: the claim query's plan and time, worker CPU and RSS.
 */
const PORT = Number(process.env.BENCH_PORT ?? 3312);
const agent = new http.Agent({ keepAlive: true });

function call(method: string, path: string, body?: unknown): Promise<ApiResponse> {
  return apiCall(agent, PORT, method, path, body);
}

async function program(name: string, steps: unknown[]): Promise<string> {
  const created = await call('POST', '/api/v1/programs', { name, trigger: { type: 'manual' }, steps });
  if (created.status !== 201) throw new Error(`program: ${JSON.stringify(created.body)}`);
  const published = await call('POST', `/api/v1/programs/${created.body.id}/publish`);
  if (published.status !== 200) throw new Error(`publish: ${JSON.stringify(published.body)}`);
  return created.body.id;
}

const WAIT_PROGRAM = [
  { id: 'pause', type: 'wait', duration: 'P30D', next: 'end' },
  { id: 'end', type: 'exit' },
];

const DEFAULTS = {
  leads: Number(process.env.BENCH_LEADS ?? 100_000),
  waiting: Number(process.env.BENCH_WAITING ?? 1_000_000),
  idleSeconds: Number(process.env.BENCH_IDLE_SECONDS ?? 10),
};

/** Worker settings come from the environment (PROGRAMS_CLAIM_BATCH, PROGRAMS_CONCURRENCY…), defaults otherwise. */
export async function runSchedulerBench(opts = DEFAULTS) {
  const url = await freshDatabase('nurture_bench_scheduler');
  const common = { DATABASE_URL: url, QUEUE_PREFIX: `benchsched${Date.now()}` };
  const api = await startService('api', { ...common, PROCESS_ROLE: 'api' }, PORT);
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const workers: Service[] = [];
  try {
    await db.query(
      `INSERT INTO leads (email, email_normalized, timezone, consent_status, consent_basis, created_at, updated_at, engagement_as_of)
       SELECT 'lead' || i || '@bench.example', 'lead' || i || '@bench.example', 'Europe/Brussels', 'granted', 'consent', now(), now(), now()
         FROM generate_series(1, $1) i`,
      [opts.leads],
    );
    await db.query('VACUUM ANALYZE leads');
    const ids: string[] = (await db.query(`SELECT id FROM leads ORDER BY id`)).rows.map((r) => r.id);

    // 1. Bulk enrollment (no worker runs yet, so only the enrollment itself is measured).
    const byIds = await program('Bulk by ids', WAIT_PROGRAM);
    const bulk = await call('POST', `/api/v1/programs/${byIds}/enrollments`, { leadIds: ids });
    if (bulk.body.enrolled !== opts.leads) throw new Error(`bulk enrollment: ${JSON.stringify(bulk.body)}`);
    const bySegment = await program('Bulk by segment', WAIT_PROGRAM);
    const segment = await call('POST', `/api/v1/programs/${bySegment}/enrollments`, {
      segment: { where: { field: 'email', op: 'endsWith', value: '@bench.example' } },
    });
    if (segment.body.enrolled !== opts.leads) throw new Error(`segment enrollment: ${JSON.stringify(segment.body)}`);
    const archiveMs = (await call('POST', `/api/v1/programs/${byIds}/archive`)).ms;
    await call('POST', `/api/v1/programs/${bySegment}/archive`);

    // 2. Dispatch lag: 100,000 enrollments due at once, released by resuming their program.
    const lag = await program('Dispatch lag', WAIT_PROGRAM);
    await call('POST', `/api/v1/programs/${lag}/pause`);
    // The workers start now, while the program is paused: they are running (booted, connected, idle)
    // when the enrollments are released, as long-running workers are, so their start-up is not
    // counted as dispatch lag.
    for (const name of ['worker-1', 'worker-2']) workers.push(await startService(name, { ...common, PROCESS_ROLE: 'worker', RUN_MIGRATIONS: 'false' }));
    await db.query(
      `INSERT INTO enrollments (program_id, program_version, lead_id, via, current_step_id, visits, next_run_at, enrolled_at, updated_at)
       SELECT $1, 1, id, 'bulk', 'pause', '{"pause":1}', now(), now(), now() FROM leads`,
      [lag],
    );
    await db.query('VACUUM ANALYZE enrollments');
    // CPU spent on the dispatch (workers and the database backends serving this database): unlike
    // wall time, it hardly moves when other work shares the machine.
    const backendPids = async (): Promise<number[]> =>
      (await db.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`)).rows.map((r) => r.pid);
    const cpuOf = (pids: (number | undefined)[]) => pids.reduce((sum: number, pid) => sum + cpuSeconds(pid), 0);
    const workerCpuBefore = cpuOf(workers.map((w) => w.child.pid));
    const pgCpuBefore = new Map((await backendPids()).map((pid) => [pid, cpuSeconds(pid)]));
    const resumed = await call('POST', `/api/v1/programs/${lag}/resume`);
    const releasedAt = new Date(resumed.body.updatedAt);
    const started = performance.now();
    // Polls the due index itself (cheap): done when no enrollment of the program is due any more.
    // Step runs carry their batch's start time, so the lateness figures below leave out the time a
    // batch takes to commit; the moment this poll first sees nothing due bounds that from above.
    for (;;) {
      const { rows } = await db.query(`SELECT EXISTS (SELECT 1 FROM enrollments WHERE status = 'active' AND next_run_at <= now() AND program_id = $1) AS due`, [lag]);
      if (!rows[0].due) break;
      if (performance.now() - started > 300_000) throw new Error('enrollments still due after 5 minutes');
      await new Promise((r) => setTimeout(r, 100));
    }
    const drainedSeconds = (Date.now() - releasedAt.getTime()) / 1000;
    const dispatchWorkerCpu = cpuOf(workers.map((w) => w.child.pid)) - workerCpuBefore;
    const dispatchPgCpu = (await backendPids()).reduce((sum, pid) => sum + cpuSeconds(pid) - (pgCpuBefore.get(pid) ?? 0), 0);
    const { rows: lateness } = await db.query(
      `SELECT count(*)::int AS runs,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM ran_at - $2::timestamptz)) AS p50,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM ran_at - $2::timestamptz)) AS p99,
              extract(epoch FROM max(ran_at) - $2::timestamptz) AS max
         FROM step_runs r JOIN enrollments e ON e.id = r.enrollment_id WHERE e.program_id = $1`,
      [lag, releasedAt.toISOString()],
    );
    // RSS right after the burst, before any idle time (the idle-phase figure below is the one that counts).
    const rssAfterDispatch = workers.map((w) => Math.round(rssMb(w.child.pid))).join(' / ');
    const dupes = (await db.query(`SELECT count(*)::int AS n FROM (SELECT enrollment_id FROM step_runs GROUP BY enrollment_id, step_id, visit HAVING count(*) > 1) d`)).rows[0].n;

    // 3. Idle cost: 1,000,000 enrollments waiting (10 programs × 100,000 leads), none due.
    const idlePrograms = Math.ceil(opts.waiting / opts.leads);
    // Without waiting enrollments the idle phase still runs (idle CPU and RSS with nothing due).
    for (let i = 0; i < idlePrograms; i++) {
      const id = await program(`Waiting ${i}`, WAIT_PROGRAM);
      await db.query(
        `INSERT INTO enrollments (program_id, program_version, lead_id, via, current_step_id, visits, waiting_for, next_run_at, enrolled_at, updated_at)
         SELECT $1, 1, id, 'bulk', 'pause', '{"pause":1}', jsonb_build_object('kind', 'wait', 'until', now() + interval '30 days'),
                now() + interval '30 days' + (random() * interval '30 days'), now(), now() FROM leads`,
        [id],
      );
    }
    await db.query('VACUUM ANALYZE enrollments');
    const [{ n: waiting }] = (await db.query(`SELECT count(*)::int AS n FROM enrollments WHERE status = 'active'`)).rows;
    const plan = (await db.query(`EXPLAIN (ANALYZE, BUFFERS) ${claimSql(false)}`, [new Date().toISOString(), 50])).rows.map((r) => r['QUERY PLAN']);
    const cpuBefore = workers.map((w) => cpuSeconds(w.child.pid));
    await new Promise((r) => setTimeout(r, opts.idleSeconds * 1000));
    const cpuAfter = workers.map((w) => cpuSeconds(w.child.pid));
    const idleCpuPercent = workers.map((_, i) => +(((cpuAfter[i] - cpuBefore[i]) / Math.max(1, opts.idleSeconds)) * 100).toFixed(2));

    const figures = {
      bulkEnroll100kByIdsMs: Math.round(bulk.ms),
      bulkEnroll100kBySegmentMs: Math.round(segment.ms),
      archive100kMs: Math.round(archiveMs),
      dispatchAllDoneSeconds: +Number(lateness[0].max).toFixed(2),
      dispatchAllCommittedWithinSeconds: +drainedSeconds.toFixed(2),
      dispatchLatenessP50Seconds: +Number(lateness[0].p50).toFixed(2),
      dispatchLatenessP99Seconds: +Number(lateness[0].p99).toFixed(2),
      dispatchStepRuns: lateness[0].runs,
      duplicateStepRuns: dupes,
      dispatchCpuSecondsWorkers: +dispatchWorkerCpu.toFixed(2),
      dispatchCpuSecondsPostgres: +dispatchPgCpu.toFixed(2),
      waitingEnrollments: waiting,
      idleWorkerCpuPercent: idleCpuPercent.join(' / '),
      workerRssAfterDispatchMb: rssAfterDispatch,
      workerRssMb: workers.map((w) => Math.round(rssMb(w.child.pid))).join(' / '),
      workerPeakRssMb: workers.map((w) => Math.round(w.peakRssMb())).join(' / '),
    };
    return { figures, claimPlan: plan };
  } finally {
    await db.end();
    for (const w of workers) await w.stop();
    await api.stop();
    agent.destroy();
    await clearRedisPrefixes([common.QUEUE_PREFIX]);
    await dropDatabase('nurture_bench_scheduler');
  }
}

if (isMain(import.meta.url)) {
  runToExit(runSchedulerBench, ({ figures, claimPlan }) => {
    console.table(figures);
    console.log(claimPlan.join('\n'));
  });
}
