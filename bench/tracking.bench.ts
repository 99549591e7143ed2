import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { canWeightCpu, withCpuGroups, withCpuWeights } from './support/cpu-groups.js';
import { CpuMeter } from './support/cpu-meter.js';
import { closedLoop, openLoop } from './support/http-load.js';
import { cpuWaitMs, pidsOf } from './support/proc.js';
import { isMain, printFigures, runToExit } from './support/service.js';
import { allScored, allStored, LINKS } from './support/tracking-data.js';
import { withTrackingRig, type TrackingLoadOptions } from './support/tracking-rig.js';

/**
 * Tracking benchmark: the built service as two processes (API and worker) on this machine's PostgreSQL
 * and Redis, loaded from this process over keep-alive connections on 127.0.0.1. Measures click redirects
 * and pixel requests per second at saturation, latency at steady rates (5,000/s and 2,000/s; from the moment each
 * request was due, so queueing counts), and how long hits take to reach PostgreSQL (stored_at − occurred_at
 * per hit, and the wait after the last answer until every answered hit is stored; after a saturation phase,
 * also until every behaviour event is scored, before the next phase starts).
 * At 5,000/s the request path shares two cores with storing and scoring, so it also reports how long the
 * API's main thread waited for a CPU, and (when run as root) repeats the 5,000/s phase with the request
 * path — the API, Redis and the load generator, which stands in for remote clients — at real-time CPU
 * priority over the worker and PostgreSQL, restoring normal scheduling afterwards — and again with CPU weights
 * instead (the request path in a control group of cpu.shares 8192, the worker and its PostgreSQL backends in
 * one of 512, as systemd's CPUWeight= would set them), followed by a click saturation phase so weighted, where
 * backpressure must keep storing within about a second; and once more with each service (API, worker, PostgreSQL with
 * all its backends, Redis, the load generator) in a control group of its own, all of equal weight, as systemd units or
 * containers get them by default (at plain equal priority in one login session, the kernel's autogroups weigh every
 * PostgreSQL backend, a session of its own, as much as the API, the worker and the load generator together).
 * Run after a build: `node dist/bench/tracking.bench.js`.
 */
const PORT = Number(process.env.TRACKING_BENCH_PORT ?? 3317);
const DATABASE = 'nurture_bench_tracking';
/** cgroup v1 `cpu.shares` (1024 = default) of the request path and of storing and scoring in the weighted phases. */
const HIGH_SHARES = 8192;
const LOW_SHARES = 512;

export interface TrackingBenchOptions extends TrackingLoadOptions {
  saturationSeconds: number;
  /** Open-loop phases: the target rate, and a rate this machine can sustain with the whole pipeline on it. */
  steadyRates: number[];
  steadySeconds: number;
}

const DEFAULTS: TrackingBenchOptions = { leads: 5_000, messages: 50_000, connections: 64, saturationSeconds: 10, steadyRates: [5_000, 2_000], steadySeconds: 10 };

export async function runTrackingBench(options: Partial<TrackingBenchOptions> = {}): Promise<Record<string, number>> {
  const opts = { ...DEFAULTS, ...options };
  const rig = { database: DATABASE, queuePrefix: `benchtr${Date.now()}`, port: PORT, ...opts };
  return withTrackingRig(rig, async ({ api, worker, db, pool, messageIds, clicks, opens, mixed, click, open }) => {
    const results: Record<string, number> = { 'machine load average at start (1 min, 2 cores)': loadavg()[0] };
    let answered = 0;

    // Warm-up: JIT, connection pools, and every message's links in the API's cache (as after real sends).
    log('warm-up');
    answered += (await closedLoop(pool, (i) => clicks[(i % messageIds.length) * LINKS], { count: messageIds.length })).ok;
    answered += (await closedLoop(pool, (i) => opens[i % opens.length], { seconds: 2 })).ok;
    await allStored(db, answered, 60_000);
    await allScored(db, 60_000);

    const cpu = new CpuMeter({ api: api.child.pid!, worker: worker.child.pid!, 'load generator': process.pid }, DATABASE);
    const saturate = async (name: string, path: (i: number) => string, expected: number, around: <T>(work: () => Promise<T>) => Promise<T> = (work) => work()) => {
      log(`${name}: saturation for ${opts.saturationSeconds} s`);
      cpu.start();
      const run = await around(() => closedLoop(pool, path, { seconds: opts.saturationSeconds, expected }));
      Object.assign(results, cpu.report(`${name}: CPU %`));
      answered += run.ok;
      const waited = await allStored(db, answered, 120_000);
      // Scoring may lag during a burst (the sweep scores one transaction at a time per worker); the next phase starts once it has caught up.
      const scored = waited + (await allScored(db, 120_000));
      results[`${name}: requests/s (saturation, ${opts.connections} connections)`] = Math.round(run.ok / run.seconds);
      results[`${name}: p99 at saturation (ms)`] = run.p99;
      results[`${name}: failed requests`] = run.failed;
      results[`${name}: all stored, after the last answer (ms)`] = waited;
      results[`${name}: all scored, after the last answer (ms)`] = scored;
    };
    await saturate('click redirects', click, 302);
    await saturate('open pixel', open, 200);

    const apiPid = api.child.pid!;
    const requestPath = () => [apiPid, process.pid, ...pidsOf('redis-server')];
    const realtime = canRaisePriority() ? <T>(work: () => Promise<T>) => withRealtimePriority(requestPath(), work) : null;
    // As systemd's CPUWeight= would weight the services: the request path high, storing and scoring low.
    const weighted = canWeightCpu()
      ? <T>(work: () => Promise<T>) =>
          withCpuWeights({ high: requestPath(), low: [worker.child.pid!, ...pidsOf('postgres: ', ` ${DATABASE} `)], highShares: HIGH_SHARES, lowShares: LOW_SHARES }, work)
      : null;
    // As systemd units (or containers) get them by default: each service a control group of its own, all of equal
    // weight, PostgreSQL's postmaster and every backend in one (new backends are forked into it).
    const perService = canWeightCpu()
      ? <T>(work: () => Promise<T>) =>
          withCpuGroups(
            [
              { name: 'api', pids: [apiPid], shares: 1024 },
              { name: 'worker', pids: [worker.child.pid!], shares: 1024 },
              { name: 'postgres', pids: [...pidsOf('/usr/lib/postgresql/'), ...pidsOf('postgres: ')], shares: 1024 },
              { name: 'redis', pids: pidsOf('redis-server'), shares: 1024 },
              { name: 'load-generator', pids: [process.pid], shares: 1024 },
            ],
            work,
          )
      : null;
    const phases = [
      ...opts.steadyRates.map((rate) => ({ rate, phase: `steady ${rate}/s`, around: null as (<T>(work: () => Promise<T>) => Promise<T>) | null })),
      ...(perService ? [{ rate: opts.steadyRates[0], phase: `steady ${opts.steadyRates[0]}/s, each service its own control group of equal weight`, around: perService }] : []),
      ...(realtime ? [{ rate: opts.steadyRates[0], phase: `steady ${opts.steadyRates[0]}/s, request path at real-time priority`, around: realtime }] : []),
      ...(weighted ? [{ rate: opts.steadyRates[0], phase: `steady ${opts.steadyRates[0]}/s, request path CPU-weighted`, around: weighted }] : []),
    ];
    if (!realtime) log('not root (or no chrt): the phase with the request path at real-time priority is skipped');
    if (!weighted) log('not root (or no writable cpu cgroup): the phases with the request path CPU-weighted are skipped');
    for (const { rate, phase, around } of phases) {
      log(`${phase} for ${opts.steadySeconds} s (half clicks, half opens)`);
      const [{ since }] = (await db.query(`SELECT clock_timestamp() AS since`)).rows;
      cpu.start();
      const waitedBefore = cpuWaitMs(apiPid);
      const load = () => openLoop(pool, mixed, rate, opts.steadySeconds);
      const steady = around ? await around(load) : await load();
      results[`${phase}: API main thread waiting for a CPU (ms per s)`] = Math.round((cpuWaitMs(apiPid) - waitedBefore) / steady.seconds);
      Object.assign(results, cpu.report(`${phase}: CPU %`));
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
        [`${phase}: requests/s achieved`]: Math.round(steady.ok / steady.seconds),
        [`${phase}: latency p50 (ms)`]: steady.p50,
        [`${phase}: latency p99 (ms)`]: steady.p99,
        [`${phase}: latency p99 from when the load generator sent it, not when due (ms)`]: steady.p99FromSubmit ?? NaN,
        [`${phase}: latency max (ms)`]: steady.max,
        [`${phase}: failed requests`]: steady.failed,
        [`${phase}: hit stored after arrival p50 (ms)`]: Math.round(lag.p50),
        [`${phase}: hit stored after arrival p99 (ms)`]: Math.round(lag.p99),
        [`${phase}: hit stored after arrival max (ms)`]: Math.round(lag.max),
        [`${phase}: all stored, after the last answer (ms)`]: waited,
      });
    }
    // Backpressure keeps storing within about a second even when the request path's weight would starve it.
    if (weighted) await saturate('click redirects, request path CPU-weighted', click, 302, weighted);
    const [{ backlog }] = (await db.query(`SELECT count(*)::int AS backlog FROM scoring_queue`)).rows;
    Object.assign(results, {
      'interactions stored in total': answered,
      'behaviour events still waiting for scoring at the end': backlog,
      'api peak RSS (MB)': Math.round(api.peakRssMb()),
      'worker peak RSS (MB)': Math.round(worker.peakRssMb()),
      'machine load average at end (1 min)': loadavg()[0],
    });
    return results;
  });
}

/** Whether this process may give others real-time priority (root, with util-linux chrt). */
function canRaisePriority(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('chrt', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `work` with every thread of `pids` under SCHED_RR (priority 1), then puts each process back to the
 * policy and priority its main thread had (Redis is the machine's, not ours), also when `work` fails.
 * Linux still keeps 5 % of each second for normal tasks.
 */
async function withRealtimePriority<T>(pids: number[], work: () => Promise<T>): Promise<T> {
  const chrt = (args: string[]) => execFileSync('chrt', args, { encoding: 'utf8' });
  const before = pids.map((pid) => ({ pid, ...schedulingOf(chrt(['--pid', String(pid)])) }));
  try {
    for (const pid of pids) chrt(['--all-tasks', '--rr', '--pid', '1', String(pid)]);
    return await work();
  } finally {
    for (const { pid, policy, priority } of before) {
      try {
        chrt(['--all-tasks', `--${policy}`, '--pid', String(priority), String(pid)]);
      } catch (err) {
        log(`could not put process ${pid} back to SCHED_${policy.toUpperCase()}: ${(err as Error).message}`);
      }
    }
  }
}

/** The policy (as chrt's option name) and priority in `chrt --pid` output. */
function schedulingOf(output: string): { policy: string; priority: number } {
  const policy = /policy: SCHED_(\w+)/.exec(output)?.[1]?.toLowerCase();
  const priority = Number(/priority: (\d+)/.exec(output)?.[1]);
  if (!policy || !['other', 'batch', 'idle', 'fifo', 'rr'].includes(policy) || !Number.isInteger(priority)) {
    throw new Error(`cannot read a scheduling policy from chrt: ${output.trim()}`);
  }
  return { policy, priority };
}

const log = (msg: string) => console.error(`[tracking bench] ${msg}`);

if (isMain(import.meta.url)) runToExit(runTrackingBench, printFigures);
