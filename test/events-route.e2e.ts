import { startTestApp, TestApp } from './support/test-app.js';

/** POST /api/v1/events is a plain Fastify route: the same auth, limits, problem+json answers and hooks as a Nest route. */
describe('POST /api/v1/events outside Nest', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { BODY_LIMIT_BYTES: '65536' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  const problem = (res: { status: number; headers: Record<string, string>; body: { status: number; instance?: string } }, status: number) => {
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.status).toBe(status);
    expect(res.body.instance).toBe('/api/v1/events');
  };

  it('refuses no key and an unknown key with 401, and a key without the role with 403, writing nothing', async () => {
    problem(await t.http().post('/api/v1/events').send({ email: 'auth@example.be', type: 'page_viewed' }), 401);
    problem(await t.http().post('/api/v1/events').set('authorization', 'Bearer nk_nope').send({ email: 'auth@example.be', type: 'page_viewed' }), 401);
    const { body: sales } = await t.api('post', '/api/v1/api-keys').send({ name: 'crm', role: 'sales' });
    const res = await t.api('post', '/api/v1/events', sales.key).send({ email: 'auth@example.be', type: 'page_viewed' });
    problem(res, 403);
    expect(res.body.detail).toMatch(/admin or ingest or marketer/);
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM leads WHERE email_normalized = 'auth@example.be'`);
    expect(n).toBe(0);
  });

  it('accepts an ingest key with 202 and the per-item result, echoing the request id', async () => {
    const { body: ingest } = await t.api('post', '/api/v1/api-keys').send({ name: 'site', role: 'ingest' });
    const res = await t.api('post', '/api/v1/events', ingest.key).set('x-request-id', 'req-events-1').send({ email: 'Route@Example.be', type: 'page_viewed' });
    expect(res.status).toBe(202);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['x-request-id']).toBe('req-events-1');
    expect(res.body).toEqual({
      accepted: 1,
      duplicates: 0,
      rejected: 0,
      items: [{ index: 0, status: 'accepted', eventId: expect.any(String), leadId: expect.any(String) }],
    });
    const again = await t.api('post', '/api/v1/events', ingest.key).send({ email: 'route@example.be', type: 'page_viewed' });
    expect(again.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(again.body.items[0].leadId).toBe(res.body.items[0].leadId);
  });

  it('answers malformed JSON with 400, a body over the limit with 413 and a body of another type with 415, as problem+json', async () => {
    const malformed = await t.api('post', '/api/v1/events').set('content-type', 'application/json').send('{"email": ');
    problem(malformed, 400);
    expect(malformed.body.errors[0].field).toBe('body');
    const big = { events: Array.from({ length: 1000 }, (_, i) => ({ email: `big${i}@example.be`, type: 'page_viewed', properties: { pad: 'x'.repeat(100) } })) };
    problem(await t.api('post', '/api/v1/events').send(big), 413);
    problem(await t.api('post', '/api/v1/events').set('content-type', 'application/xml').send('<event/>'), 415);
    problem(await t.api('post', '/api/v1/events').set('content-type', 'text/plain').send('email=x'), 415); // only JSON is read
  });

  it('answers invalid input with 422 naming the field, never 500', async () => {
    const single = await t.api('post', '/api/v1/events').send({ email: 'x@example.be', type: 'Bad Type', colour: 'red' });
    problem(single, 422);
    expect(single.body.errors.map((e: { field: string }) => e.field)).toEqual(['colour', 'type']);
    const notObject = await t.api('post', '/api/v1/events').send([1, 2]);
    problem(notObject, 422);
    expect(notObject.body.errors[0].field).toBe('body');
    const emptyBody = await t.api('post', '/api/v1/events');
    problem(emptyBody, 422);
    const batch = await t.api('post', '/api/v1/events').send({ events: [], extra: 1 });
    problem(batch, 422);
    expect(batch.body.errors[0].field).toBe('extra');
  });

  it('refuses a single event of an unknown lead id as a problem (404 naming leadId), storing nothing; in a batch the same refusal is an item', async () => {
    const unknown = '00000000-0000-4000-8000-00000000d404';
    const events = async () => (await t.db.query(`SELECT count(*)::int AS n FROM events`))[0].n as number;
    const before = await events();
    const single = await t.api('post', '/api/v1/events').send({ leadId: unknown, type: 'quote_requested' });
    problem(single, 404);
    expect(single.body.errors).toEqual([{ field: 'leadId', message: 'no lead with this id' }]);
    expect(single.body.items).toBeUndefined();
    // The header-keyed path too: the key stays free for the event the client meant.
    const keyed = await t.api('post', '/api/v1/events').set('idempotency-key', 'unknown-lead-1').send({ leadId: unknown, type: 'page_viewed' });
    problem(keyed, 404);
    expect(await events()).toBe(before);
    const batch = await t.api('post', '/api/v1/events').send({ events: [{ leadId: unknown, type: 'page_viewed' }, { email: 'batch-known@example.be', type: 'page_viewed' }] });
    expect(batch.status).toBe(202);
    expect(batch.body).toMatchObject({ accepted: 1, rejected: 1 });
    expect(batch.body.items[0]).toEqual({ index: 0, status: 'rejected', errors: [{ field: 'leadId', message: 'no lead with this id' }] });
  });

  it('keys a single event by the Idempotency-Key header: the retry is a duplicate of the same event', async () => {
    const send = () => t.api('post', '/api/v1/events').set('idempotency-key', 'route-hdr-1').send({ email: 'hdr-route@example.be', type: 'form_submitted' });
    const first = await send();
    const retry = await send();
    expect(first.body.items[0].status).toBe('accepted');
    expect(retry.status).toBe(202);
    expect(retry.body.items[0]).toMatchObject({ status: 'duplicate', eventId: first.body.items[0].eventId });
  });

  it('stores and scores a batch larger than the simple-protocol groups once, with keys reused in it (refused) and retried (duplicates)', async () => {
    const emails = Array.from({ length: 80 }, (_, i) => `bulk${i}@example.be`);
    await t.api('post', '/api/v1/events').send({ events: emails.map((email) => ({ email, type: 'newsletter_subscribed' })) });
    const events = emails.map((email, i) => ({ email, type: 'webinar_attended', ...(i < 10 ? { idempotencyKey: `bulk-${i % 5}` } : {}) }));
    const first = await t.api('post', '/api/v1/events').send({ events });
    expect(first.status).toBe(202);
    // Events 5–9 reuse the keys of events 0–4 for other leads: refused for that, never reported as another lead's event.
    expect(first.body).toMatchObject({ accepted: 75, duplicates: 0, rejected: 5 });
    expect(first.body.items[7]).toMatchObject({ status: 'rejected', errors: [{ field: 'idempotencyKey' }] });
    const retry = await t.api('post', '/api/v1/events').send({ events: events.slice(0, 10) });
    expect(retry.body).toMatchObject({ accepted: 0, duplicates: 5, rejected: 5 });
    expect(retry.body.items[2].eventId).toBe(first.body.items[2].eventId);
    expect(retry.body.items[7].eventId).toBeUndefined();
    const [{ n }] = await t.db.query(
      `SELECT count(*)::int AS n FROM score_ledger s JOIN events e ON e.id = s.event_id
        JOIN leads l ON l.id = e.lead_id WHERE e.type = 'webinar_attended' AND l.email_normalized LIKE 'bulk%'`,
    );
    expect(n).toBe(75);
  });
});
