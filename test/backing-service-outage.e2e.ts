import { createLead, createTemplate } from './support/email-fixtures.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { eventually, startTestApp, type TestApp } from './support/test-app.js';
import { TestDatabase } from './support/test-database.js';
import { redisUrl } from './support/test-env.js';

/**
 * PostgreSQL or Redis going away under a running service (a restart, a failover): requests that need it get 503 with
 * Retry-After as application/problem+json, not 500, and the service recovers by itself once it is back.
 * The API reaches PostgreSQL through a TCP proxy the test cuts off and restores.
 */
describe('when PostgreSQL cannot be reached', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let t: TestApp;

  beforeAll(async () => {
    database = await TestDatabase.create();
    const url = new URL(database.url);
    proxy = await TcpProxy.start({ host: url.hostname, port: Number(url.port || 5432) });
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    t = await startTestApp({ database, env: { DATABASE_URL: url.toString() } });
  });
  afterAll(async () => {
    await proxy?.restore();
    await t?.close();
    await proxy?.close();
    await database?.drop();
  });

  it('answers 503 with Retry-After while it is gone, reports it in /health, and recovers when it is back', async () => {
    expect((await t.api('get', '/api/v1/leads')).status).toBe(200);

    await proxy.cut();
    const lead = await t.api('post', '/api/v1/leads').send({ email: 'an@bakkerij-peeters.example.be' });
    expect(lead.status).toBe(503);
    expect(lead.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(lead.headers['retry-after']).toBe('5');
    expect(lead.body).toMatchObject({ type: 'urn:nurture:problem:unavailable', status: 503, instance: '/api/v1/leads' });
    const list = await t.api('get', '/api/v1/leads');
    expect(list.status).toBe(503);
    const health = await t.http().get('/health');
    expect(health.status).toBe(503);
    expect(health.body.checks.database.status).toBe('down');

    await proxy.restore();
    const again = await t.api('post', '/api/v1/leads').send({ email: 'an@bakkerij-peeters.example.be' });
    expect(again.status).toBe(201); // created now: nothing was written while PostgreSQL was gone
    expect((await t.http().get('/health')).status).toBe(200);
  });
});

/**
 * Redis going away under a running service (API and workers in one process): what PostgreSQL alone can do goes
 * on, what needs Redis answers without waiting for it, and nothing is lost: work Redis missed is dispatched
 * from PostgreSQL once it is back.
 */
describe('when Redis cannot be reached', () => {
  let proxy: TcpProxy;
  let t: TestApp;

  beforeAll(async () => {
    const url = new URL(redisUrl());
    proxy = await TcpProxy.start({ host: url.hostname, port: Number(url.port || 6379) });
    t = await startTestApp({ env: { REDIS_URL: `redis://127.0.0.1:${proxy.port}`, EMAIL_REDISPATCH_AFTER_MS: '500', EMAIL_SWEEP_MS: '200', EMAIL_RATE_PER_SECOND: '0' } });
  });
  afterAll(async () => {
    await proxy?.restore();
    await t?.close();
    await proxy?.close();
  });

  it('keeps taking leads and events, answers a test send without waiting for Redis, and sends it once Redis is back', async () => {
    const templateId = await createTemplate(t);
    await createLead(t, { email: 'an@bakkerij-peeters.example.be', firstName: 'An' });

    await proxy.cut();
    const event = await t.api('post', '/api/v1/events').send({ email: 'an@bakkerij-peeters.example.be', type: 'page_viewed', properties: { url: 'https://example.be/prijzen' } });
    expect(event.status).toBe(202);
    expect((await t.api('get', '/api/v1/leads')).status).toBe(200);
    const started = Date.now();
    const send = await t.api('post', `/api/v1/templates/${templateId}/test-send`).send({ to: 'jo@studio-noord.example.be' });
    expect(send.status).toBe(202);
    expect(send.body.status).toBe('queued');
    expect(Date.now() - started).toBeLessThan(5000); // it used to wait for Redis for as long as it was gone
    const health = await t.http().get('/health');
    expect(health.status).toBe(503);
    expect(health.body.checks.redis.status).toBe('down');

    await proxy.restore();
    const sent = await eventually(async () => {
      const [row] = await t.db.query(`SELECT status FROM email_messages WHERE id = $1`, [send.body.messageId]);
      return row?.status === 'sent' ? row.status : null;
    }, 25_000);
    expect(sent).toBe('sent');
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM dev_mailbox WHERE message_id = $1`, [send.body.messageId]);
    expect(n).toBe(1); // once, though Redis got the job both from the request and from the sweep
  }, 60_000);
});
