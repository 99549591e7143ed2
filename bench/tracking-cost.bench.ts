import { CpuMeter } from './support/cpu-meter.js';
import { closedLoop, openLoop } from './support/http-load.js';
import { isMain, printFigures, runToExit } from './support/service.js';
import { allScored, allStored, LINKS } from './support/tracking-data.js';
import { withTrackingRig, type TrackingLoadOptions } from './support/tracking-rig.js';

/**
 * What one tracked hit costs the machine, all its work done: the built service as two processes (API and
 * worker) takes a steady rate the machine keeps up with (half clicks, half opens, every one a person's;
 * TRACKING_COST_MIX=clicks or opens for one kind), and the CPU of every part is counted from the first request
 * until every hit is stored and every behaviour event scored. Divided by the hits, that is CPU per hit by
 * process; two cores divided by the total is the rate the machine could sustain with nothing else to do.
 * Unlike the saturation figures of the tracking benchmark, this does not depend on how the scheduler shares
 * the cores at the moment, and scoring that is still running when a phase ends is counted too.
 * Run after a build: `node dist/bench/tracking-cost.bench.js`.
 */
const PORT = Number(process.env.TRACKING_BENCH_PORT ?? 3318);
const DATABASE = 'nurture_bench_tracking_cost';

export interface TrackingCostBenchOptions extends TrackingLoadOptions {
  rate: number;
  seconds: number;
  /** What the load is made of (TRACKING_COST_MIX): half clicks and half opens, or one kind only. */
  mix: 'both' | 'clicks' | 'opens';
}

const DEFAULTS: TrackingCostBenchOptions = {
  leads: 5_000,
  messages: 50_000,
  connections: 64,
  rate: 3_000,
  seconds: 20,
  mix: (process.env.TRACKING_COST_MIX as TrackingCostBenchOptions['mix'] | undefined) ?? 'both',
};

export async function runTrackingCostBench(options: Partial<TrackingCostBenchOptions> = {}): Promise<Record<string, number>> {
  const opts = { ...DEFAULTS, ...options };
  const rig = { database: DATABASE, queuePrefix: `benchtrc${Date.now()}`, port: PORT, ...opts };
  return withTrackingRig(rig, async ({ api, worker, db, pool, messageIds, clicks, mixed, click, open }) => {
    // Warm-up (JIT, pools, every message's links in the API's cache), then wait until it is scored too.
    let answered = (await closedLoop(pool, (i) => clicks[(i % messageIds.length) * LINKS], { count: messageIds.length })).ok;
    await allStored(db, answered, 60_000);
    await allScored(db, 60_000);

    const cpu = new CpuMeter({ api: api.child.pid!, worker: worker.child.pid!, 'load generator': process.pid }, DATABASE);
    cpu.start();
    const path = { both: mixed, clicks: click, opens: open }[opts.mix];
    if (!path) throw new Error(`unknown mix "${opts.mix}": both, clicks or opens`);
    const run = await openLoop(pool, path, opts.rate, opts.seconds);
    answered += run.ok;
    await allStored(db, answered, 120_000);
    await allScored(db, 120_000);
    const { cpu: used, seconds } = cpu.used();

    const perHit = (s: number) => Math.round((s / run.ok) * 1e6);
    const results: Record<string, number> = {
      [`hits (${{ both: 'half clicks, half opens', clicks: 'clicks', opens: 'opens' }[opts.mix]})`]: run.ok,
      'rate (per s)': Math.round(run.ok / run.seconds),
      'until every hit was stored and scored (s)': Math.round(seconds * 10) / 10,
      'failed requests': run.failed,
    };
    for (const part of ['api', 'worker', 'postgres', 'redis', 'load generator', 'kernel interrupts (network)']) {
      results[`CPU per hit (µs): ${part}`] = perHit(used[part]);
    }
    const service = used.api + used.worker + used.postgres + used.redis;
    results['CPU per hit (µs): the service (api, worker, PostgreSQL, Redis)'] = perHit(service);
    results['CPU per hit (µs): the whole machine'] = perHit(used.machine);
    results['CPU per hit (µs): other processes'] = perHit(used.machine - service - used['load generator'] - used['kernel interrupts (network)']);
    results['hits per s two cores could take at this cost (whole machine)'] = Math.round(2 / (used.machine / run.ok));
    return results;
  });
}

if (isMain(import.meta.url)) runToExit(runTrackingCostBench, printFigures);
