import pg from 'pg';
import { PROGRAM_FUNNEL_VIEWS } from '../src/analytics/program-funnel-refresh.cron.js';
import { runMigrations } from '../src/infra/database/data-source.js';
import { BENCH_ADMIN_KEY, dropDatabase, freshDatabase, isMain, runToExit, percentile, startService } from './support/service.js';

/**
 * Funnel query time over 1,000,000 leads (400,000 of them enrolled in programs) and 20,000,000 events (generated in SQL), through the
 * real HTTP endpoint of the built service. The pre-aggregates (migration 1764001300000) are kept by
 * triggers while seeding, as they would be in production. The database is dropped at the end (~4 GB).
 */
const PORT = Number(process.env.BENCH_PORT ?? 3314);
const log = (msg: string) => console.error(`[funnel bench] ${msg}`);

export async function runFunnelBench(opts = { leads: 1_000_000, events: 20_000_000, runs: 7 }) {
  const url = await freshDatabase('nurture_bench_funnel');
  await runMigrations(url);
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const t0 = performance.now();
  await db.query(`
    INSERT INTO leads (id, email, email_normalized, stage, channel, source, created_at, updated_at, mql_at, sql_at, opportunity_at, customer_at)
    SELECT md5(i::text)::uuid, 'l' || i || '@bench.example', 'l' || i || '@bench.example', 'lead',
           (ARRAY['google_ads','meta','linkedin','organic','referral'])[1 + i % 5],
           jsonb_build_object('campaign', 'c' || (i % 40), 'utm', jsonb_build_object('source', (ARRAY['google','facebook','linkedin','direct'])[1 + i % 4])),
           ts, ts,
           CASE WHEN i % 10 < 2 THEN ts + interval '3 days' END,
           CASE WHEN i % 20 = 0 THEN ts + interval '5 days' END,
           CASE WHEN i % 40 = 0 THEN ts + interval '20 days' END,
           CASE WHEN i % 80 = 0 THEN ts + interval '40 days' END
      FROM generate_series(1, $1::int) i, LATERAL (SELECT timestamptz '2025-01-01' + (i % 600) * interval '1 day' + (i % 86400) * interval '1 second' AS ts) t`,
    [opts.leads],
  );
  log(`leads in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await db.query(`
    INSERT INTO handoffs (lead_id, status, priority, reason, outbox_event_id, snapshot, sla_due_at, responded_at, value, currency, created_at, updated_at)
    SELECT id, CASE WHEN customer_at IS NOT NULL THEN 'won' ELSE 'accepted' END, 'medium', 'mql_rule', gen_random_uuid(), '{}',
           mql_at + interval '1 day', mql_at + (random() * 2) * interval '1 day', CASE WHEN customer_at IS NOT NULL THEN 5000 END,
           CASE WHEN customer_at IS NOT NULL THEN 'EUR' END, mql_at, mql_at
      FROM leads WHERE mql_at IS NOT NULL`);
  // Programs: 40 % of the leads went through one of five programs (what groupBy=program reads).
  await db.query(`
    INSERT INTO programs (id, name, status, draft, current_version, created_at, updated_at)
    SELECT md5('program' || i)::uuid, 'Programma ' || i, 'active', '{}'::jsonb, 1, now(), now() FROM generate_series(1, 5) i`);
  await db.query(`INSERT INTO program_versions (program_id, version, definition, published_at, published_by) SELECT id, 1, '{}'::jsonb, now(), 'bench' FROM programs`);
  await db.query(`
    INSERT INTO enrollments (program_id, program_version, lead_id, status, via, current_step_id, visits, enrolled_at, updated_at, finished_at)
    SELECT md5('program' || (1 + abs(hashtext(id::text || 'p')) % 5))::uuid, 1, id, 'completed', 'bench', 'end', '{}'::jsonb, created_at, created_at, created_at
      FROM leads WHERE abs(hashtext(id::text)) % 5 < 2`);
  await db.query(`VACUUM ANALYZE enrollments`);
  log('enrollments');
  // Events only weigh on the database here (the funnel never reads them), so they are loaded the fast way:
  // time-ordered ids (like UUIDv7) append to the primary key instead of splitting random pages, and the
  // foreign-key check per row is skipped (every lead_id is generated from an existing lead).
  const batch = 2_000_000;
  await db.query(`ALTER TABLE events DISABLE TRIGGER ALL`);
  for (let done = 0; done < opts.events; done += batch) {
    await db.query(
      `INSERT INTO events (id, lead_id, type, occurred_at, received_at, properties)
       SELECT ('00000000-0000-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid,
              md5((1 + (i * 7919) % $3::int)::text)::uuid, (ARRAY['page_viewed','email_opened','email_clicked','content_downloaded','form_submitted'])[1 + i % 5],
              timestamptz '2025-01-01' + (i % 52000000) * interval '1 second', now(), '{}'
         FROM generate_series($1::bigint, $2::bigint) i`,
      [done + 1, Math.min(done + batch, opts.events), opts.leads],
    );
    log(`events ${Math.min(done + batch, opts.events).toLocaleString()}`);
  }
  await db.query(`ALTER TABLE events ENABLE TRIGGER ALL`);
  await db.query(`VACUUM ANALYZE leads`);
  await db.query(`VACUUM ANALYZE handoffs`);
  await db.query(`VACUUM ANALYZE funnel_facts`);
  await db.query(`VACUUM ANALYZE funnel_handoff_facts`);
  await db.query(`ANALYZE events`);
  // What a worker does every ANALYTICS_PROGRAM_REFRESH_MS (CONCURRENTLY there, so readers never wait).
  const refreshStarted = performance.now();
  for (const view of PROGRAM_FUNNEL_VIEWS) await db.query(`REFRESH MATERIALIZED VIEW CONCURRENTLY ${view}`);
  const programRefreshMs = Math.round(performance.now() - refreshStarted);
  for (const view of PROGRAM_FUNNEL_VIEWS) await db.query(`VACUUM ANALYZE ${view}`);
  const seedSeconds = (performance.now() - t0) / 1000;
  const [{ n: enrollments }] = (await db.query(`SELECT count(*)::int AS n FROM enrollments`)).rows;
  await db.end();

  const api = await startService('api', { DATABASE_URL: url, PROCESS_ROLE: 'api', QUEUE_PREFIX: `benchf${Date.now()}` }, PORT);
  try {
    const time = async (query: string) => {
      const ms: number[] = [];
      for (let i = 0; i < opts.runs; i++) {
        const started = performance.now();
        const res = await fetch(`http://127.0.0.1:${PORT}/api/v1/analytics/funnel?${query}`, { headers: { authorization: `Bearer ${BENCH_ADMIN_KEY}` } });
        if (!res.ok) throw new Error(`funnel answered ${res.status}: ${await res.text()}`);
        await res.json();
        ms.push(performance.now() - started);
      }
      ms.sort((a, b) => a - b);
      return { p50: +percentile(ms, 50).toFixed(1), max: +ms[ms.length - 1].toFixed(1) };
    };
    const allTime = 'from=2024-01-01T00:00:00Z&to=2027-01-01T00:00:00Z';
    const channel = await time(`${allTime}&groupBy=channel`);
    const source = await time(`${allTime}&groupBy=source`);
    const quarter = await time(`from=2025-04-01T00:00:00Z&to=2025-07-01T00:00:00Z&groupBy=campaign`);
    const program = await time(`${allTime}&groupBy=program`);
    return {
      leads: opts.leads,
      events: opts.events,
      seedSeconds: Math.round(seedSeconds),
      allLeadsByChannelP50Ms: channel.p50,
      allLeadsByChannelMaxMs: channel.max,
      allLeadsBySourceP50Ms: source.p50,
      oneQuarterByCampaignP50Ms: quarter.p50,
      allLeadsByProgramP50Ms: program.p50,
      programRowsRefreshMs: programRefreshMs,
      enrollments: enrollments,
    };
  } finally {
    await api.stop();
    await dropDatabase('nurture_bench_funnel');
  }
}

if (isMain(import.meta.url)) runToExit(runFunnelBench);
