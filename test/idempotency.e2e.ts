import { ManualClock } from '../src/common/clock.js';
import { IDEMPOTENCY_ABANDONED_MS } from '../src/common/idempotency.interceptor.js';
import { IdempotencyExpiryCron } from '../src/infra/database/idempotency-expiry.cron.js';
import { createTemplate } from './support/email-fixtures.js';
import { SmtpSink } from './support/smtp-sink.js';
import { eventually, startTestApp, type TestApp } from './support/test-app.js';

/**
 * Idempotency-Key on every write of the API (API.md: writes that clients retry accept it; a repeat returns the
 * first result and changes nothing), remembered for a day, with abandoned first attempts taken over.
 */
describe('Idempotency-Key on writes', () => {
  let t: TestApp;
  let sink: SmtpSink;
  const clock = new ManualClock('2026-03-02T10:00:00Z');

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({ clock, env: { SMTP_URL: sink.url, EMAIL_RATE_PER_SECOND: '0', WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' } });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  const post = (path: string, key: string, body: object) => t.api('post', path).set('idempotency-key', key).send(body);

  it('a retried test send sends one email and answers the retry with the first result', async () => {
    const id = await createTemplate(t);
    const body = { to: 'retry-test@studio-noord.example.be', locale: 'nl' };
    const first = await post(`/api/v1/templates/${id}/test-send`, 'test-send-1', body);
    const again = await post(`/api/v1/templates/${id}/test-send`, 'test-send-1', body);
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    await eventually(async () => sink.to('retry-test@studio-noord.example.be').length === 1, 20_000);
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM email_messages WHERE to_address = 'retry-test@studio-noord.example.be'`);
    expect(n).toBe(1);
    // Another key is another send.
    expect((await post(`/api/v1/templates/${id}/test-send`, 'test-send-2', body)).headers['idempotent-replayed']).toBeUndefined();
    await eventually(async () => sink.to('retry-test@studio-noord.example.be').length === 2, 20_000);
  });

  it('a retried webhook subscription is created once', async () => {
    const body = { url: 'http://127.0.0.1:9/hooks/nurture', events: ['lead.mql'] };
    const first = await post('/api/v1/webhooks', 'hook-1', body);
    const again = await post('/api/v1/webhooks', 'hook-1', body);
    expect(first.status).toBe(201);
    expect(again.body).toEqual(first.body);
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM webhook_subscriptions WHERE url = $1`, [body.url]);
    expect(n).toBe(1);
  });

  it('never stores a webhook secret in clear: the replay reads it back from the encrypted subscription', async () => {
    const body = { url: 'http://127.0.0.1:9/hooks/secret', events: ['lead.mql'] };
    const first = await post('/api/v1/webhooks', 'hook-secret-1', body);
    expect(first.status).toBe(201);
    expect(first.body.secret).toMatch(/^whsec_/);
    const [record] = await t.db.query(`SELECT response::text AS response FROM idempotency_records WHERE key = 'hook-secret-1'`);
    expect(record.response).not.toContain(first.body.secret);
    expect(record.response).not.toContain('whsec_');
    const again = await post('/api/v1/webhooks', 'hook-secret-1', body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
  });

  it('refuses an empty Idempotency-Key (422 naming the header) on API writes and on events, writing nothing', async () => {
    const lead = await post('/api/v1/leads', '', { email: 'leeg@example.be' });
    expect(lead.status).toBe(422);
    expect(lead.headers['content-type']).toContain('application/problem+json');
    expect(lead.body.errors[0].field).toBe('Idempotency-Key');
    const event = await post('/api/v1/events', '', { email: 'leeg@example.be', type: 'page_viewed' });
    expect(event.status).toBe(422);
    expect(event.headers['content-type']).toContain('application/problem+json');
    expect(event.body.errors[0].field).toBe('Idempotency-Key');
    expect(await t.db.query(`SELECT 1 FROM leads WHERE email_normalized = 'leeg@example.be'`)).toEqual([]);
  });

  it('refuses an Idempotency-Key beyond printable ASCII (422 naming the header) on API writes and on events, writing nothing', async () => {
    for (const path of ['/api/v1/leads', '/api/v1/events']) {
      const res = await post(path, 'sleutel-\u00e9', { email: 'latin@example.be', type: 'page_viewed', ...(path.endsWith('leads') ? { type: undefined } : {}) });
      expect([path, res.status, res.body.errors?.[0]]).toEqual([path, 422, { field: 'Idempotency-Key', message: 'must be printable ASCII characters' }]);
    }
    expect(await t.db.query(`SELECT 1 FROM leads WHERE email_normalized = 'latin@example.be'`)).toEqual([]);
  });

  it('takes the same JSON body with its keys in another order for the same request', async () => {
    const first = await post('/api/v1/leads', 'order-1', { email: 'volgorde@example.be', firstName: 'Vo', attributes: { a: 1, b: 2 } });
    expect(first.status).toBe(201);
    const again = await post('/api/v1/leads', 'order-1', { attributes: { b: 2, a: 1 }, firstName: 'Vo', email: 'volgorde@example.be' });
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    // A different value is still a different body.
    expect((await post('/api/v1/leads', 'order-1', { email: 'volgorde@example.be', firstName: 'Ander' })).status).toBe(422);
  });

  it('is refused where the response holds a secret shown once (a new API key), and nothing is created', async () => {
    const res = await post('/api/v1/api-keys', 'key-1', { name: 'retried key', role: 'ingest' });
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.errors[0].field).toBe('Idempotency-Key');
    expect(await t.db.query(`SELECT 1 FROM api_keys WHERE name = 'retried key'`)).toEqual([]);
  });

  it('leaves the public pages alone: a one-click unsubscribe retried with a key is answered each time', async () => {
    const once = () => t.http().post('/u/not-a-real-token').set('idempotency-key', 'public-1').type('form').send('List-Unsubscribe=One-Click');
    const first = await once();
    const again = await once();
    expect(again.status).toBe(first.status);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
    expect(await t.db.query(`SELECT 1 FROM idempotency_records WHERE key = 'public-1'`)).toEqual([]);
  });

  it('remembers a key for a day: after that the same key runs again, even with another body', async () => {
    const first = await post('/api/v1/leads', 'day-1', { email: 'dag@example.be', firstName: 'Dag' });
    expect(first.status).toBe(201);
    clock.advance(23 * 3_600_000);
    expect((await post('/api/v1/leads', 'day-1', { email: 'dag@example.be', firstName: 'Nacht' })).status).toBe(422);
    clock.advance(2 * 3_600_000);
    const later = await post('/api/v1/leads', 'day-1', { email: 'dag@example.be', firstName: 'Nacht' });
    expect(later.status).toBe(200);
    expect(later.headers['idempotent-replayed']).toBeUndefined();
    expect(later.body.firstName).toBe('Nacht');
  });

  it('takes over a first attempt abandoned unfinished (its process died), but not one still running', async () => {
    const stillRunning = IDEMPOTENCY_ABANDONED_MS - 60_000;
    const body = { email: 'verlaten@example.be' };
    const first = await post('/api/v1/leads', 'abandoned-1', body);
    expect(first.status).toBe(201);
    const asIfRunningSince = (ms: number) =>
      t.db.query(`UPDATE idempotency_records SET status_code = NULL, response = NULL, created_at = $2 WHERE key = $1`, [
        'abandoned-1',
        new Date(clock.now().getTime() - ms),
      ]);
    await asIfRunningSince(stillRunning);
    expect((await post('/api/v1/leads', 'abandoned-1', body)).status).toBe(409);
    await asIfRunningSince(IDEMPOTENCY_ABANDONED_MS + 1_000);
    const taken = await post('/api/v1/leads', 'abandoned-1', body);
    expect(taken.status).toBe(200); // ran again: the lead exists now
    expect(taken.headers['idempotent-replayed']).toBeUndefined();
    const replay = await post('/api/v1/leads', 'abandoned-1', body);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(taken.body);
  });

  it('forgets keys older than a day (the worker deletes them), keeping younger ones', async () => {
    await post('/api/v1/leads', 'old-1', { email: 'oud@example.be' });
    clock.advance(25 * 3_600_000);
    await post('/api/v1/leads', 'young-1', { email: 'jong@example.be' });
    const deleted = await t.app.get(IdempotencyExpiryCron).tick();
    expect(deleted).toBeGreaterThanOrEqual(1);
    const keys = (await t.db.query(`SELECT key FROM idempotency_records`)).map((r: { key: string }) => r.key);
    expect(keys).toContain('young-1');
    expect(keys).not.toContain('old-1');
  });
});
