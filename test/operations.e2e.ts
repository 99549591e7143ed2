import { ANSWERS } from '../src/openapi-responses.js';
import { SchedulerRegistry } from '@nestjs/schedule';
import { WorkTableVacuumCron } from '../src/infra/database/work-table-vacuum.cron.js';
import { eventually, startTestApp, TestApp } from './support/test-app.js';

describe('operations endpoints', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('serves Prometheus metrics: HTTP latency by route, queue depths, scoring backlog and email states', async () => {
    await t.api('post', '/api/v1/leads').send({ email: 'metrics@example.be' });
    const res = await t.http().get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    expect(res.text).toMatch(/http_request_duration_seconds_bucket\{[^}]*route="\/api\/v1\/leads"[^}]*status="201"/);
    expect(res.text).toMatch(/queue_jobs\{queue="scoring",state="waiting"\} \d+/);
    expect(res.text).toMatch(/scoring_backlog_events \d+/);
    expect(res.text).toMatch(/scoring_lag_seconds [\d.]+/);
    expect(res.text).toMatch(/tracking_buffer_hits \d+/);
    expect(res.text).toMatch(/tracking_storing_lag_seconds [\d.]+/);
    expect(res.text).toMatch(/process_resident_memory_bytes/);
  });

  it('exposes no metric family that nothing ever observes', async () => {
    // Job counters kept per process could only ever be read from a worker, which serves no HTTP: they stayed empty.
    const res = await t.http().get('/metrics').expect(200);
    expect(res.text).not.toMatch(/queue_jobs_processed_total|queue_job_duration_seconds/);
  });

  it('publishes an OpenAPI document covering every endpoint with bearer auth', async () => {
    const res = await t.http().get('/docs-json');
    expect(res.status).toBe(200);
    const paths = Object.keys(res.body.paths);
    expect(paths).toEqual(expect.arrayContaining(['/api/v1/leads', '/api/v1/leads/{id}/score', '/api/v1/events', '/api/v1/scoring-model', '/api/v1/api-keys']));
    // The tracking routes live outside Nest's router (for speed) and are still documented.
    expect(res.body.paths['/t/o/{token}'].get.responses['200']).toBeDefined();
    expect(res.body.paths['/t/c/{token}'].get.responses['302']).toBeDefined();
    expect(res.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(res.body.paths['/api/v1/leads'].post.requestBody).toBeDefined();
  });

  it('describes every operation of the HTTP contract (API.md), the public and operations routes included', async () => {
    const doc = (await t.http().get('/docs-json')).body;
    const contract = [
      'post /api/v1/leads', 'get /api/v1/leads', 'get /api/v1/leads/{id}', 'delete /api/v1/leads/{id}', 'get /api/v1/leads/{id}/timeline',
      'get /api/v1/leads/{id}/score', 'get /api/v1/leads/{id}/export', 'post /api/v1/events', 'get /api/v1/scoring-model', 'put /api/v1/scoring-model',
      'post /api/v1/templates', 'get /api/v1/templates', 'get /api/v1/templates/{id}', 'put /api/v1/templates/{id}', 'post /api/v1/templates/{id}/preview',
      'post /api/v1/templates/{id}/test-send', 'post /api/v1/programs', 'put /api/v1/programs/{id}', 'post /api/v1/programs/{id}/publish',
      'post /api/v1/programs/{id}/pause', 'post /api/v1/programs/{id}/resume', 'post /api/v1/programs/{id}/archive', 'post /api/v1/programs/{id}/enrollments',
      'get /api/v1/programs/{id}/enrollments', 'post /api/v1/programs/{id}/simulate', 'get /api/v1/programs/{id}/stats', 'get /api/v1/handoffs',
      'get /api/v1/handoffs/{id}', 'post /api/v1/handoffs/{id}/accept', 'post /api/v1/handoffs/{id}/reject', 'post /api/v1/handoffs/{id}/outcome',
      'get /api/v1/sales-reps', 'post /api/v1/sales-reps', 'patch /api/v1/sales-reps/{id}', 'post /api/v1/webhooks', 'get /api/v1/webhooks/{id}/deliveries',
      'post /api/v1/webhooks/{id}/deliveries/{deliveryId}/retry', 'delete /api/v1/webhooks/{id}', 'get /t/o/{token}', 'get /t/c/{token}', 'get /u/{token}',
      'post /u/{token}', 'get /health', 'get /metrics',
    ];
    const described = Object.entries(doc.paths as Record<string, object>).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method} ${path}`));
    expect(contract.filter((op) => !described.includes(op))).toEqual([]);
  });

  it('describes the answers of the main endpoints, not only their requests', async () => {
    const doc = (await t.http().get('/docs-json')).body;
    const schemaOf = (path: string, method: string, status: string) => doc.paths[path][method].responses[status]?.content?.['application/json']?.schema;
    // Every answer described names an operation the whole app has (a path mistyped there would go unnoticed).
    for (const [method, path, status, schema] of ANSWERS) expect([method, path, status, schemaOf(path, method, status)]).toEqual([method, path, status, { $ref: `#/components/schemas/${schema}` }]);
    // The upsert answers 201 for a new lead and 200 for a known one: both carry the lead.
    expect(schemaOf('/api/v1/leads', 'post', '201')).toEqual({ $ref: '#/components/schemas/Lead' });
    expect(schemaOf('/api/v1/leads', 'post', '200')).toEqual({ $ref: '#/components/schemas/Lead' });
    expect(schemaOf('/api/v1/events', 'post', '202')).toEqual({ $ref: '#/components/schemas/IngestResult' });
    expect(schemaOf('/api/v1/programs/{id}/enrollments', 'post', '200')).toEqual({ $ref: '#/components/schemas/BulkEnrollmentResult' });
    expect(doc.components.schemas.Lead.required).toEqual(expect.arrayContaining(['id', 'stage', 'engagementScore', 'fitScore', 'createdAt', 'updatedAt']));
    expect(doc.components.schemas.Webhook.required).not.toContain('secret');
    // Nullable text fields of the upsert body are strings, not objects.
    expect(doc.components.schemas.UpsertLeadDto.properties.firstName).toMatchObject({ type: 'string', nullable: true });
    expect(Object.keys(doc.components.schemas.UtmDto.properties)).toEqual(['source', 'medium', 'campaign', 'term', 'content']);
    expect(doc.paths['/api/v1/leads/{id}'].get.responses['404'].content['application/problem+json'].schema).toEqual({ $ref: '#/components/schemas/Problem' });
  });

  it('describes the body of every success answer of every operation (204 and redirects have none)', async () => {
    const doc = (await t.http().get('/docs-json')).body;
    type Answer = { content?: Record<string, { schema?: unknown }> };
    const undescribed: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, { responses: Record<string, Answer> }>>)) {
      for (const [method, op] of Object.entries(ops)) {
        const successes = Object.entries(op.responses).filter(([status]) => /^[23]/.test(status));
        if (!successes.length) undescribed.push(`${method} ${path}: no success answer`);
        for (const [status, answer] of successes) {
          if (status === '204' || status.startsWith('3')) {
            if (answer.content) undescribed.push(`${method} ${path} ${status}: has a body`);
            continue;
          }
          const media = Object.entries(answer.content ?? {});
          if (!media.length || media.some(([, m]) => !m.schema)) undescribed.push(`${method} ${path} ${status}`);
        }
      }
    }
    expect(undescribed).toEqual([]);
  });

  it('runs every worker heartbeat as an interval of @nestjs/schedule', () => {
    const names = t.app.get(SchedulerRegistry).getIntervals().sort();
    expect(names).toEqual(
      expect.arrayContaining([
        'ColdMqlCron',
        'EmailDeliverySweepCron',
        'FunnelCompactionCron',
        'IdempotencyExpiryCron',
        'OutboxRelayCron',
        'ProgramSchedulerCron',
        'RetentionCron',
        'ScoringSweepCron',
        'SlaBreachCron',
        'WebhookRetentionCron',
        'WebhookSweepCron',
        'WorkTableVacuumCron',
      ]),
    );
  });

  it('vacuums the work tables itself exactly when PostgreSQL autovacuum is off', async () => {
    const [{ autovacuum }] = await t.db.query(`SELECT current_setting('autovacuum') AS autovacuum`);
    const vacuumed = await t.app.get(WorkTableVacuumCron).tick();
    const stats: { relname: string; last_vacuum: Date | null }[] = await t.db.query(
      `SELECT relname, last_vacuum FROM pg_stat_user_tables WHERE relname IN ('scoring_queue', 'outbox_events') ORDER BY relname`,
    );
    if (autovacuum === 'off') {
      expect(vacuumed).toBe(2);
      expect(stats.map((r) => [r.relname, r.last_vacuum !== null])).toEqual([['outbox_events', true], ['scoring_queue', true]]);
    } else {
      expect(vacuumed).toBe(0);
    }
  });

  it('re-analyzes a work table only when enough of it changed since the last analyze', async () => {
    const [{ autovacuum }] = await t.db.query(`SELECT current_setting('autovacuum') AS autovacuum`);
    if (autovacuum !== 'off') return;
    const cron = t.app.get(WorkTableVacuumCron);
    const analyzedAt = async (): Promise<Record<string, number>> => {
      const rows: { relname: string; n: number }[] = await t.db.query(
        `SELECT relname, analyze_count::int AS n FROM pg_stat_user_tables WHERE relname IN ('scoring_queue', 'outbox_events')`,
      );
      return Object.fromEntries(rows.map((r) => [r.relname, r.n]));
    };
    await cron.tick(); // analyzed at least once from here on
    const before = await analyzedAt();
    expect(await cron.tick()).toBe(2); // vacuumed again, nothing changed: statistics left as they are
    expect(await analyzedAt()).toEqual(before);
  });

  it('refreshes the statistics of the scored tables once enough rows changed (prepared statements are re-planned on it)', async () => {
    const [{ autovacuum }] = await t.db.query(`SELECT current_setting('autovacuum') AS autovacuum`);
    if (autovacuum !== 'off') return;
    const cron = t.app.get(WorkTableVacuumCron);
    const leadsAnalyzed = async () => (await t.db.query(`SELECT analyze_count::int AS n FROM pg_stat_user_tables WHERE relname = 'leads'`))[0].n as number;
    await cron.tick();
    const before = await leadsAnalyzed();
    await t.db.query(
      `INSERT INTO leads (email, email_normalized, stage, created_at, updated_at, engagement_as_of)
       SELECT e, e, 'subscriber', now(), now(), now() FROM (SELECT 'stats' || i || '@example.be' AS e FROM generate_series(1, 200) i) x`,
    );
    await eventually(async () => {
      await cron.tick();
      return (await leadsAnalyzed()) > before;
    });
    const after = await leadsAnalyzed();
    await cron.tick(); // nothing changed since: not analyzed again
    expect(await leadsAnalyzed()).toBe(after);
  });

  it('refuses a body larger than the limit with 413 problem+json', async () => {
    const huge = { email: 'big@example.be', attributes: { blob: 'x'.repeat(6 * 1024 * 1024) } };
    const res = await t.api('post', '/api/v1/leads').send(huge);
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  });
});

describe('metrics of an API process with no worker running', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ role: 'api' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('reports the outbox backlog and how long its oldest event has waited to be relayed', async () => {
    await t.api('post', '/api/v1/leads').send({ email: 'outbox-lag@example.be' }).expect(201);
    await t.db.query(`UPDATE outbox_events SET occurred_at = now() - interval '90 seconds' WHERE published_at IS NULL`);
    const res = await t.http().get('/metrics').expect(200);
    expect(Number(/^outbox_backlog_events (\d+)$/m.exec(res.text)?.[1])).toBeGreaterThanOrEqual(1);
    expect(Number(/^outbox_lag_seconds ([\d.]+)$/m.exec(res.text)?.[1])).toBeGreaterThanOrEqual(90);
    expect(res.text).toMatch(/^outbox_failed_events 0$/m);
  });

  it('still answers a scrape when one gauge cannot be read, leaving only that gauge out', async () => {
    await t.db.query(`ALTER TABLE scoring_queue RENAME TO scoring_queue_away`);
    try {
      const res = await t.http().get('/metrics');
      expect(res.status).toBe(200);
      expect(res.text).toMatch(/^scoring_backlog_events NaN$/im); // prom-client writes "Nan"; Prometheus parses either
      expect(res.text).toMatch(/^outbox_backlog_events \d+$/m);
      expect(res.text).toMatch(/process_resident_memory_bytes/);
    } finally {
      await t.db.query(`ALTER TABLE scoring_queue_away RENAME TO scoring_queue`);
    }
  });
});
