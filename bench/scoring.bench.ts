import { DataSource } from 'typeorm';
import { SystemClock } from '../src/common/clock.js';
import { loadConfig } from '../src/config/app-config.js';
import { dataSourceOptions, runMigrations } from '../src/infra/database/data-source.js';
import { LeadActivityHub } from '../src/lifecycle/lead-activity.js';
import { LeadScoringService } from '../src/scoring/lead-scoring.service.js';
import { ScoringModelService } from '../src/scoring/scoring-model.service.js';
import { postgresCpuSeconds } from './support/proc.js';
import { dropDatabase, freshDatabase, isMain, runToExit } from './support/service.js';

/**
 * Scoring benchmark: what one scoring transaction costs per lead, in this process (Node) and in
 * PostgreSQL, with the default model. Every tracked open or click and every ingested event ends up
 * here, so this is the part of their cost that belongs to scoring. Each round queues behaviour events
 * (opens, clicks and page views, as stored events on the scoring queue) for a batch of leads and scores
 * them in one transaction (lock the leads, take their events, read the capped rules' ledger rows, plan,
 * write ledger rows and scores), as the scoring worker does. Queueing the events is not counted.
 * Run after a build: `node dist/bench/scoring.bench.js`.
 */
const DATABASE = 'nurture_bench_scoring';
const LEADS = 5_000;
const TYPES = ['email_opened', 'email_clicked', 'email_opened', 'page_viewed'];

export interface ScoringBenchOptions {
  /** Leads per scoring transaction. */
  batch: number;
  rounds: number;
  /** Events per lead per round: 1 is the usual case (a lead rarely acts twice within a batch's time). */
  eventsPerLead: number[];
}

const DEFAULTS: ScoringBenchOptions = { batch: 200, rounds: 60, eventsPerLead: [1, 3] };

export async function runScoringBench(options: Partial<ScoringBenchOptions> = {}): Promise<Record<string, number>> {
  const opts = { ...DEFAULTS, ...options };
  const url = await freshDatabase(DATABASE);
  await runMigrations(url);
  const db = await new DataSource(dataSourceOptions(url, 2)).initialize();
  try {
    const clock = new SystemClock();
    const models = new ScoringModelService(db, clock);
    await models.onModuleInit(); // the default model, as at start-up
    const scoring = new LeadScoringService(db, models, clock, new LeadActivityHub(), loadConfig({}));
    const leads: string[] = (
      await db.query(
        `INSERT INTO leads (email, email_normalized, stage) SELECT 'lead' || i || '@bench.example', 'lead' || i || '@bench.example', 'lead'
           FROM generate_series(1, $1) i RETURNING id`,
        [LEADS],
      )
    ).map((r: { id: string }) => r.id);
    let next = 0;
    const queue = async (perLead: number): Promise<string[]> => {
      const ids = Array.from({ length: opts.batch }, () => leads[next++ % leads.length]);
      await db.query(
        `WITH e AS (
           INSERT INTO events (id, lead_id, type, occurred_at, properties, machine, received_at)
           SELECT gen_random_uuid(), l, ($3::text[])[1 + (n + g) % array_length($3::text[], 1)], now(),
                  jsonb_build_object('messageId', gen_random_uuid(), 'templateId', gen_random_uuid(), 'stepId', 'welcome',
                                     'url', 'https://example.be/' || CASE WHEN g = 2 THEN 'pricing' ELSE 'blog/' || n END),
                  false, now()
             FROM unnest($1::uuid[]) WITH ORDINALITY AS x(l, n), generate_series(1, $2) g
           RETURNING id, lead_id)
         INSERT INTO scoring_queue (event_id, lead_id) SELECT id, lead_id FROM e`,
        [ids, perLead, TYPES],
      );
      return ids;
    };
    // Warm-up: JIT, the model cache, and ledger rows within the cap windows (as on a live system).
    for (let r = 0; r < 20; r++) await scoring.scorePending(await queue(3));

    const results: Record<string, number> = {};
    for (const perLead of opts.eventsPerLead) {
      let node = 0;
      let postgres = 0;
      let scored = 0;
      let events = 0;
      for (let r = 0; r < opts.rounds; r++) {
        const ids = await queue(perLead);
        const pg0 = postgresCpuSeconds(DATABASE);
        const cpu0 = process.cpuUsage();
        const result = await scoring.scorePending(ids);
        const cpu = process.cpuUsage(cpu0);
        node += cpu.user + cpu.system;
        postgres += (postgresCpuSeconds(DATABASE) - pg0) * 1e6;
        scored += result.leads;
        events += result.events;
      }
      const label = `${perLead} event${perLead > 1 ? 's' : ''} per lead`;
      results[`${label}: Node CPU per lead scored (µs)`] = Math.round(node / scored);
      results[`${label}: PostgreSQL CPU per lead scored (µs)`] = Math.round(postgres / scored);
      results[`${label}: events scored`] = events;
    }
    results['leads per transaction'] = opts.batch;
    return results;
  } finally {
    await db.destroy();
    await dropDatabase(DATABASE);
  }
}

if (isMain(import.meta.url)) runToExit(runScoringBench);
