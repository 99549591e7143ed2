import { TcpProxy } from './support/tcp-proxy.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { TestDatabase } from './support/test-database.js';

/**
 * PostgreSQL going away under a running API (a restart, a failover): requests that need it get 503 with
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
