import { INestApplicationContext } from '@nestjs/common';
import { clearQueues, eventually, startTestApp, startTestWorker, TestApp } from './support/test-app.js';

describe('scoring across processes', () => {
  let api: TestApp;
  const workers: INestApplicationContext[] = [];

  beforeAll(async () => {
    api = await startTestApp({ role: 'api' });
  });
  afterAll(async () => {
    for (const w of workers) await w.close();
    await api?.close();
  });

  const pending = async () => (await api.db.query(`SELECT count(*)::int AS n FROM scoring_queue`))[0].n as number;

  it('scores events in the request that stores them: an API process alone has every score current when it answers', async () => {
    const res = await api.api('post', '/api/v1/events').send({
      events: Array.from({ length: 50 }, (_, i) => ({ email: `lost${i % 5}@example.be`, type: 'content_downloaded', idempotencyKey: `lost-${i}` })),
    });
    expect(res.body.accepted).toBe(50);
    // The API role runs no workers, yet nothing waits: the ledger and the scores were written with the events.
    expect(await pending()).toBe(0);
    const [{ n, total }] = await api.db.query(`SELECT count(*)::int AS n, sum(points)::float8 AS total FROM score_ledger`);
    expect(n).toBe(50);
    expect(total).toBe(500);
    const again = await api.api('post', '/api/v1/events').send({ events: [{ email: 'lost0@example.be', type: 'page_viewed' }] });
    expect(again.body.accepted).toBe(1);
    const [lead] = await api.db.query(`SELECT engagement_score FROM leads WHERE email_normalized = 'lost0@example.be'`);
    expect(lead.engagement_score).toBeCloseTo(101, 3); // ten downloads and a page view, milliseconds apart
  });

  it('scores queued events (tracking hits, opt-outs) once a worker runs, even when Redis lost their jobs', async () => {
    const [lead] = await api.db.query(`SELECT id FROM leads WHERE email_normalized = 'lost1@example.be'`);
    await api.db.query(
      `WITH e AS (
         INSERT INTO events (lead_id, type, occurred_at, properties) SELECT $1, 'content_downloaded', now(), '{}' FROM generate_series(1, 3)
         RETURNING id, lead_id)
       INSERT INTO scoring_queue (event_id, lead_id) SELECT id, lead_id FROM e`,
      [lead.id],
    );
    expect(await pending()).toBe(3);
    await clearQueues(api.config.queuePrefix);
    workers.push(await startTestWorker(api), await startTestWorker(api));
    await eventually(async () => (await pending()) === 0, 15_000);
    const [{ n, total }] = await api.db.query(`SELECT count(*)::int AS n, sum(points)::float8 AS total FROM score_ledger WHERE lead_id = $1`, [lead.id]);
    expect(n).toBe(13);
    expect(total).toBe(130);
  });

  it('scores concurrent batches for shared leads exactly once', async () => {
    const batches = Array.from({ length: 10 }, (_, b) =>
      api.api('post', '/api/v1/events').send({
        events: Array.from({ length: 100 }, (_, i) => ({ email: `shared${(b * 100 + i) % 37}@example.be`, type: 'form_submitted' })),
      }),
    );
    await Promise.all(batches);
    await eventually(async () => (await pending()) === 0, 15_000);
    const [{ n }] = await api.db.query(
      `SELECT count(*)::int AS n FROM score_ledger l JOIN leads d ON d.id = l.lead_id WHERE d.email_normalized LIKE 'shared%'`,
    );
    expect(n).toBe(1000);
    const [{ dupes }] = await api.db.query(`SELECT count(*)::int AS dupes FROM (SELECT event_id, rule_id FROM score_ledger GROUP BY 1, 2 HAVING count(*) > 1) d`);
    expect(dupes).toBe(0);
  });

  it('replays a lead upsert retried with the same Idempotency-Key and refuses the key for another body', async () => {
    const body = { email: 'retry@example.be', firstName: 'Retry' };
    const first = await api.api('post', '/api/v1/leads').set('idempotency-key', 'crm-sync-1').send(body);
    const again = await api.api('post', '/api/v1/leads').set('idempotency-key', 'crm-sync-1').send(body);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    const other = await api.api('post', '/api/v1/leads').set('idempotency-key', 'crm-sync-1').send({ ...body, firstName: 'Other' });
    expect(other.status).toBe(422);
    expect(other.body.errors[0].field).toBe('Idempotency-Key');
    const lead = await api.api('get', `/api/v1/leads/${first.body.id}`);
    expect(lead.body.firstName).toBe('Retry');
  });
});
