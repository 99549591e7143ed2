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

  it('scores events accepted by an API process even when Redis lost their jobs, once a worker runs', async () => {
    const res = await api.api('post', '/api/v1/events').send({
      events: Array.from({ length: 50 }, (_, i) => ({ email: `lost${i % 5}@example.be`, type: 'content_downloaded', idempotencyKey: `lost-${i}` })),
    });
    expect(res.body.accepted).toBe(50);
    // The API role runs no workers: nothing is scored yet, and the jobs vanish with Redis.
    expect(await pending()).toBe(50);
    await clearQueues(api.config.queuePrefix);

    workers.push(await startTestWorker(api), await startTestWorker(api));
    await eventually(async () => (await pending()) === 0, 15_000);
    const [{ n, total }] = await api.db.query(`SELECT count(*)::int AS n, sum(points)::float8 AS total FROM score_ledger`);
    expect(n).toBe(50);
    expect(total).toBe(500);
  });

  it('shares new work between two workers without scoring anything twice', async () => {
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
