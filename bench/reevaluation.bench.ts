import http from 'node:http';
import pg from 'pg';
import { cpuSeconds } from './support/proc.js';
import { apiCall, clearRedisPrefixes, dropDatabase, freshDatabase, isMain, startApiAndWorkers, printFigures, runToExit } from './support/service.js';

/**
 * Re-evaluation benchmark on the built service as real processes (one API, two workers) and this machine's
 * PostgreSQL and Redis: `leads` leads are seeded straight into the database, fitted as the default model
 * fits them, a quarter with two BANT answers and engagement spread over 0–60 points. A model that lowers the
 * MQL threshold to 40 and adds a fit rule (a rival's domain, 2% of leads) is published; measured: the time
 * until its re-evaluation completes (leads per second), the leads refitted and promoted, and the time until
 * every promoted lead has its hand-off. Batches of the two workers take turns on the run.
 * `BENCH_REEVALUATION_LEADS` sets the number of leads (default 200,000).
 */
const PORT = Number(process.env.BENCH_PORT ?? 3316);
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

const SEED = `
  INSERT INTO leads (email, email_normalized, qualification, attributes, engagement_score, engagement_as_of, fit_score, fit_contributions,
                     fit_model_version, created_at, updated_at)
  SELECT e, e, q, a, (i * 7919 % 61)::float8, now(), f.score, f.contributions, 1, now(), now()
    FROM generate_series(1, $1) i
   CROSS JOIN LATERAL (SELECT 'lead' || i || CASE WHEN i % 10 = 0 THEN '@gmail.com' WHEN i % 50 = 1 THEN '@rival.be' ELSE '@klant.bench' END AS e,
                              CASE WHEN i % 4 = 0 THEN '{"need": "website", "budget": "10k"}'::jsonb ELSE '{}'::jsonb END AS q,
                              jsonb_build_object('employees', CASE WHEN i % 3 = 0 THEN 25 ELSE 4 END, 'industry', 'food') AS a) x
   CROSS JOIN LATERAL (
     SELECT coalesce(sum(p), 0) AS score, coalesce(jsonb_agg(jsonb_build_object('ruleId', r, 'description', d, 'points', p) ORDER BY o), '[]') AS contributions
       FROM (VALUES (1, i % 3 = 0, 'ten-or-more-employees', 'Company has 10 or more employees', 10),
                    (2, i % 10 = 0, 'free-mail', 'Uses a free email address, not a company one', -10)) AS c(o, applies, r, d, p)
      WHERE applies) f`;

export async function runReevaluationBench(opts = { leads: Number(process.env.BENCH_REEVALUATION_LEADS ?? 200_000), timeoutMs: 900_000 }) {
  const database = process.env.BENCH_REEVALUATION_DB ?? 'nurture_bench_reevaluation';
  const url = await freshDatabase(database);
  const common = { DATABASE_URL: url, QUEUE_PREFIX: `benchre${Date.now()}`, SCORING_SWEEP_MS: '250', OUTBOX_RELAY_MS: '100' };
  const { api, workers } = await startApiAndWorkers(common, PORT);
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const call = (method: string, path: string, body?: unknown) => apiCall(agent, PORT, method, path, body);
  try {
    const rep = await call('POST', '/api/v1/sales-reps', { name: 'Anneleen', email: 'anneleen@sales.bench' });
    if (rep.status !== 201) throw new Error(`sales rep: ${rep.status} ${JSON.stringify(rep.body)}`);
    await db.query(SEED, [opts.leads]);
    await db.query(`VACUUM ANALYZE leads`);
    const current = await call('GET', '/api/v1/scoring-model');
    const def = current.body.definition;
    const rival = { id: 'rival', description: 'Works at a rival', where: [{ field: 'emailDomain', op: 'equals', value: 'rival.be' }], points: -30 };
    const cpuBefore = [api, ...workers].map((s) => cpuSeconds(s.child.pid));

    const started = Date.now();
    const published = await call('PUT', '/api/v1/scoring-model', { ...def, fitRules: [...def.fitRules, rival], mql: { ...def.mql, engagementThreshold: 40 } });
    if (published.status !== 200) throw new Error(`publish: ${published.status} ${JSON.stringify(published.body)}`);
    const publishMs = Date.now() - started;
    let run = published.body.reevaluation;
    while (run.status === 'running') {
      if (Date.now() - started > opts.timeoutMs) throw new Error(`re-evaluation not done: ${JSON.stringify(run)}`);
      await new Promise((r) => setTimeout(r, 200));
      run = (await call('GET', '/api/v1/scoring-model')).body.reevaluation;
    }
    const reevaluatedMs = Date.now() - started;
    const cpu = [api, ...workers].map((s, i) => cpuSeconds(s.child.pid) - cpuBefore[i]);
    log(`re-evaluated ${run.leadsDone} leads in ${reevaluatedMs} ms: ${JSON.stringify(run)}`);
    for (;;) {
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM handoffs`);
      if (rows[0].n >= run.promoted) break;
      if (Date.now() - started > opts.timeoutMs) throw new Error(`hand-offs: ${rows[0].n} of ${run.promoted}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const handoffsMs = Date.now() - started;
    const { rows: [check] } = await db.query(
      `SELECT (SELECT count(*)::int FROM leads WHERE stage = 'mql') AS mql,
              (SELECT count(*)::int FROM (SELECT lead_id FROM handoffs GROUP BY lead_id HAVING count(*) > 1) d) AS twice`,
    );
    return {
      leads: run.leadsDone,
      publishMs,
      reevaluatedMs,
      leadsPerSecond: Math.round((run.leadsDone / reevaluatedMs) * 1000),
      refitted: run.refitted,
      promoted: run.promoted,
      mqlLeads: check.mql,
      leadsWithTwoHandoffs: check.twice,
      allHandoffsMs: handoffsMs,
      apiCpuS: +cpu[0].toFixed(1),
      workersCpuS: +(cpu[1] + cpu[2]).toFixed(1),
      workerPeakRssMb: Math.round(Math.max(...workers.map((w) => w.peakRssMb()))),
    };
  } finally {
    await db.end();
    await api.stop();
    for (const w of workers) await w.stop();
    agent.destroy();
    await clearRedisPrefixes([common.QUEUE_PREFIX]);
    await dropDatabase(database);
  }
}

const log = (msg: string) => console.error(`[reevaluation bench] ${msg}`);

if (isMain(import.meta.url)) runToExit(() => runReevaluationBench(), printFigures);
