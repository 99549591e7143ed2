import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { calibrate } from './support/calibration.js';

/**
 * `npm run bench`: every benchmark in turn against the real PostgreSQL, Redis and a local SMTP sink
 * on this machine. Pass names to run a subset: `npm run bench -- ingest tracking`.
 * Results are printed and written to bench/results.json.
 */
const BENCHES: Record<string, () => Promise<Record<string, unknown>>> = {
  ingest: async () => (await import('./ingest.bench.js')).runIngestBench(),
  render: async () => (await import('./render.bench.js')).runRenderBench(),
  'template-save': async () => (await import('./template-save.bench.js')).runTemplateSaveBench(),
  delivery: async () => (await import('./delivery.bench.js')).runDeliveryBench(),
  tracking: async () => (await import('./tracking.bench.js')).runTrackingBench(),
  'tracking-cost': async () => (await import('./tracking-cost.bench.js')).runTrackingCostBench(),
  'tracking-store': async () => (await import('./tracking-store.bench.js')).runTrackingStoreBench(),
  scoring: async () => (await import('./scoring.bench.js')).runScoringBench(),
  scheduler: async () => (await import('./scheduler.bench.js')).runSchedulerBench(),
  handoff: async () => (await import('./handoff.bench.js' as string)).runHandoffBench(),
  funnel: async () => (await import('./funnel.bench.js')).runFunnelBench(),
  reevaluation: async () => (await import('./reevaluation.bench.js')).runReevaluationBench(),
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length ? wanted : Object.keys(BENCHES);
const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const speed = await calibrate();
const speedLine = `calibration (lower is faster): Node ${speed.nodeCpuMs} ms CPU, PostgreSQL ${speed.postgresMs} ms`;
console.log(speedLine);
const results: Record<string, unknown> = { machine, calibration: speed, at: new Date().toISOString() };
let failed = false;
for (const name of names) {
  const run = BENCHES[name];
  if (!run) {
    console.error(`unknown benchmark "${name}"; known: ${Object.keys(BENCHES).join(', ')}`);
    process.exit(2);
  }
  console.log(`\n=== ${name} ===`);
  try {
    const r = await run();
    results[name] = r;
    console.table(r);
  } catch (err) {
    failed = true;
    results[name] = { error: String(err) };
    console.error(`${name} failed:`, err);
  }
}
writeFileSync(new URL('../../bench/results.json', import.meta.url), JSON.stringify(results, null, 2) + '\n');
console.log(`\nmachine: ${machine}; ${speedLine}`);
process.exit(failed ? 1 : 0);
