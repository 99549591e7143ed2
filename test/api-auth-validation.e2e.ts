import { createTemplate } from './support/email-fixtures.js';
import net, { type AddressInfo } from 'node:net';
import { startTestApp, TestApp } from './support/test-app.js';

/** Sends bytes as they are (supertest and Node's client refuse a raw non-ASCII URL) and returns the whole answer. */
async function rawHttp(t: TestApp, request: string): Promise<string> {
  const server = t.app.getHttpServer();
  if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
    socket.end(Buffer.from(request, 'utf8'));
  });
}

/** Authentication, roles, request validation and health over HTTP (the API's common rules, on the leads and events endpoints). */
describe('API keys, validation and health over HTTP', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('authentication and roles', () => {
    it('refuses a request without a key with 401 problem+json', async () => {
      const res = await t.http().get('/api/v1/leads');
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 401, title: 'Unauthorized' });
    });

    it('refuses an unknown key with 401', async () => {
      const res = await t.http().get('/api/v1/leads').set('authorization', 'Bearer nk_nope');
      expect(res.status).toBe(401);
    });

    it('gives an ingest key leads upsert but not lead reading (403), and a revoked key nothing', async () => {
      const created = await t.api('post', '/api/v1/api-keys').send({ name: 'forms', role: 'ingest' });
      expect(created.status).toBe(201);
      expect(created.body.key).toMatch(/^nk_[0-9a-f]{8}_/);
      const key: string = created.body.key;

      const upsert = await t.api('post', '/api/v1/leads', key).send({ email: 'roles@example.be' });
      expect(upsert.status).toBe(201);
      const read = await t.api('get', `/api/v1/leads/${upsert.body.id}`, key);
      expect(read.status).toBe(403);
      expect(read.body.detail).toMatch(/marketer|sales/);

      const list = await t.api('get', '/api/v1/api-keys');
      expect(list.body.items.some((k: { id: string; key?: string }) => k.id === created.body.id && k.key === undefined)).toBe(true);

      expect((await t.api('delete', `/api/v1/api-keys/${created.body.id}`)).status).toBe(204);
      expect((await t.api('post', '/api/v1/leads', key).send({ email: 'roles@example.be' })).status).toBe(401);
    });

    it('never lets a non-admin manage keys', async () => {
      const { body } = await t.api('post', '/api/v1/api-keys').send({ name: 'mkt', role: 'marketer' });
      const res = await t.api('post', '/api/v1/api-keys', body.key).send({ name: 'x', role: 'admin' });
      expect(res.status).toBe(403);
    });
  });

  describe('validation', () => {
    it('names the bad field and never writes anything', async () => {
      const res = await t.api('post', '/api/v1/leads').send({ email: 'not-an-email', timezone: 'Mars/Olympus' });
      expect(res.status).toBe(422);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      const fields = res.body.errors.map((e: { field: string }) => e.field);
      expect(fields).toEqual(expect.arrayContaining(['email', 'timezone']));
      const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM leads WHERE email = 'not-an-email'`);
      expect(n).toBe(0);
    });

    it('refuses a lone surrogate (text that is not Unicode) with 422 naming the field, where it made the email check throw a 500', async () => {
      const rep = await t.api('post', '/api/v1/sales-reps').send({ name: 'Anneleen', email: 'anneleen\ud800@example.be' });
      expect([rep.status, rep.body.errors]).toEqual([422, [{ field: 'email', message: 'must not contain a lone surrogate (text that is not valid Unicode)' }]]);
      const lead = await t.api('post', '/api/v1/leads').send({ email: 'surrogaat@example.be', firstName: 'An\udc00', attributes: { note: '\ud83e' } });
      expect([lead.status, lead.body.errors.map((e: { field: string }) => e.field)]).toEqual([422, ['firstName', 'attributes.note']]);
      expect(await t.db.query(`SELECT 1 FROM sales_reps UNION ALL SELECT 1 FROM leads WHERE email_normalized = 'surrogaat@example.be'`)).toEqual([]);
      // An emoji (a surrogate pair) is ordinary text.
      expect((await t.api('post', '/api/v1/leads').send({ email: 'emoji@example.be', firstName: 'An 🥐' })).status).toBe(201);
    });

    it('refuses unknown fields, naming them, including nested ones', async () => {
      const res = await t.api('post', '/api/v1/leads').send({ email: 'a@example.be', favouriteColour: 'blue', source: { chanel: 'x' } });
      expect(res.status).toBe(422);
      const fields = res.body.errors.map((e: { field: string }) => e.field);
      expect(fields).toEqual(expect.arrayContaining(['favouriteColour', 'source.chanel']));
    });

    it('answers malformed JSON with 400 problem+json, not 500', async () => {
      const res = await t.api('post', '/api/v1/leads').set('content-type', 'application/json').send('{"email": ');
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    });

    it('answers a body that is not JSON with 415 problem+json, on controllers and on the events route', async () => {
      for (const path of ['/api/v1/leads', '/api/v1/events']) {
        const res = await t.api('post', path).set('content-type', 'text/plain').send('email=a@b.be');
        expect([path, res.status, res.headers['content-type']]).toEqual([path, 415, expect.stringMatching(/^application\/problem\+json/)]);
        expect(res.body).toMatchObject({ status: 415, title: 'Unsupported Media Type' });
      }
    });

    it('takes Content-Type: application/json with an empty body as no body on a bodiless action', async () => {
      const program = await t.api('post', '/api/v1/programs').send({ name: 'Lege body', trigger: { type: 'manual' }, steps: [{ id: 'end', type: 'exit' }] });
      for (const action of ['publish', 'pause', 'resume']) {
        const res = await t.api('post', `/api/v1/programs/${program.body.id}/${action}`).set('content-type', 'application/json');
        expect([action, res.status]).toEqual([action, 200]);
      }
      // A write that needs a body still says which fields are missing.
      const lead = await t.api('post', '/api/v1/leads').set('content-type', 'application/json');
      expect([lead.status, lead.body.errors?.[0]?.field]).toEqual([422, 'email']);
    });

    it('refuses a body or query parameters on an endpoint that takes none, like any unknown field', async () => {
      const program = await t.api('post', '/api/v1/programs').send({ name: 'Geen velden', trigger: { type: 'manual' }, steps: [{ id: 'end', type: 'exit' }] });
      const publish = await t.api('post', `/api/v1/programs/${program.body.id}/publish`).send({ foo: 1 });
      expect([publish.status, publish.body.errors]).toEqual([422, [{ field: 'foo', message: 'is not a known field' }]]);
      expect(await t.db.query(`SELECT 1 FROM program_versions WHERE program_id = $1`, [program.body.id])).toEqual([]);
      const stats = await t.api('get', `/api/v1/programs/${program.body.id}/stats?foo=1`);
      expect([stats.status, stats.body.errors?.[0]?.field]).toEqual([422, 'foo']);
      expect((await t.api('get', `/api/v1/programs/${program.body.id}/stats`)).status).toBe(200);
      expect((await t.api('post', `/api/v1/programs/${program.body.id}/publish`).send({})).status).toBe(200);
    });

    it('answers URLs Fastify or Node cannot read with 400 problem+json', async () => {
      for (const target of ['/api/v1/leads/%E0%A4%A', '/api/v1/l\u00e9ads', '/%']) {
        const res = await rawHttp(t, `GET ${target} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n`);
        expect([target, res.split('\r\n')[0]]).toEqual([target, 'HTTP/1.1 400 Bad Request']);
        expect(res).toMatch(/content-type: application\/problem\+json/i);
        expect(JSON.parse(res.slice(res.indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 400, title: 'Bad Request' });
      }
    });

    it('refuses a batch of more than 1,000 events naming the field', async () => {
      const events = Array.from({ length: 1001 }, () => ({ email: 'big@example.be', type: 'page_viewed' }));
      const res = await t.api('post', '/api/v1/events').send({ events });
      expect(res.status).toBe(422);
      expect(res.body.errors[0].field).toBe('events');
    });

    it('rejects a single invalid event with 422 naming each field', async () => {
      const res = await t.api('post', '/api/v1/events').send({ email: 'x@example.be', type: 'Bad Type', occurredAt: 'yesterday' });
      expect(res.status).toBe(422);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['type', 'occurredAt']);
    });

    it('refuses an edited or made-up list cursor with 422 naming cursor, on every list', async () => {
      const lead = await t.api('post', '/api/v1/leads').send({ email: 'cursor@example.be' });
      const program = await t.api('post', '/api/v1/programs').send({ name: 'Cursor', trigger: { type: 'manual' }, steps: [{ id: 'end', type: 'exit' }] });
      const webhook = await t.api('post', '/api/v1/webhooks').send({ url: 'http://127.0.0.1:9/hooks/nurture', events: ['lead.mql'] });
      const lists = [
        '/api/v1/leads',
        '/api/v1/programs',
        '/api/v1/handoffs',
        '/api/v1/sales-reps',
        '/api/v1/webhooks',
        '/api/v1/api-keys',
        '/api/v1/templates',
        '/api/v1/suppressions',
        `/api/v1/programs/${program.body.id}/enrollments`,
        `/api/v1/webhooks/${webhook.body.id}/deliveries`,
        `/api/v1/leads/${lead.body.id}/timeline`,
      ];
      const uuid = '0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
      const forged = [['x', 'y'], ['9999-99-99', uuid], [1, 2], ['2026-02-30T00:00:00.000Z', uuid], ['2026-03-02T10:00:00.000Z', 'x', 'a\u0000']];
      for (const path of lists) {
        for (const key of forged) {
          const cursor = Buffer.from(JSON.stringify(key)).toString('base64url');
          const res = await t.api('get', `${path}?cursor=${cursor}`);
          expect({ path, key, status: res.status, field: res.body.errors?.[0]?.field }).toEqual({ path, key, status: 422, field: 'cursor' });
        }
      }
    });

    it('refuses timestamps of days that do not exist, and consent.capturedAt without an offset, naming the field', async () => {
      const event = await t.api('post', '/api/v1/events').send({ email: 'dates@example.be', type: 'page_viewed', occurredAt: '2026-02-30T00:00:00Z' });
      expect([event.status, event.body.errors]).toEqual([422, [{ field: 'occurredAt', message: expect.any(String) }]]);
      for (const capturedAt of ['2026-03-01T08:00:00', '2026-02-30T08:00:00Z', '2026-03-01']) {
        const lead = await t.api('post', '/api/v1/leads').send({ email: 'dates@example.be', consent: { status: 'granted', basis: 'consent', capturedAt } });
        expect([capturedAt, lead.status, lead.body.errors?.map((e: { field: string }) => e.field)]).toEqual([capturedAt, 422, ['consent.capturedAt']]);
      }
      const funnel = await t.api('get', '/api/v1/analytics/funnel?from=2026-04-01T00:00:00&to=2026-02-30T00:00:00Z');
      expect([funnel.status, funnel.body.errors?.map((e: { field: string }) => e.field)]).toEqual([422, ['from', 'to']]);
      expect(await t.db.query(`SELECT 1 FROM leads WHERE email = 'dates@example.be'`)).toEqual([]);
    });

    it('refuses a NUL character in any field, value or field name, with 422 naming it, and writes nothing', async () => {
      const fields = (res: { body: { errors?: { field: string }[] } }) => res.body.errors?.map((e) => e.field);
      const cases: [string, object, string[]][] = [
        ['/api/v1/leads', { email: 'nul@example.be', firstName: 'a\u0000b' }, ['firstName']],
        ['/api/v1/leads', { email: 'nul@example.be', consent: { status: 'granted', basis: 'consent', text: 'ja\u0000' } }, ['consent.text']],
        ['/api/v1/leads', { email: 'nul@example.be', attributes: { 'k\u0000': 1, list: ['x\u0000'] } }, ['attributes', 'attributes.list[0]']],
        ['/api/v1/events', { email: 'nul@example.be', type: 'page_viewed', properties: { u: 'a\u0000' } }, ['properties.u']],
        ['/api/v1/events', { email: 'nul@example.be', type: 'page_viewed', idempotencyKey: 'k\u0000' }, ['idempotencyKey']],
      ];
      for (const [path, body, expected] of cases) {
        const res = await t.api('post', path).send(body);
        expect([path, res.status, res.headers['content-type'], fields(res)]).toEqual([path, 422, expect.stringMatching(/problem\+json/), expected]);
        expect(res.headers['retry-after']).toBeUndefined();
      }
      const query = await t.api('get', '/api/v1/leads?email=%00');
      expect([query.status, fields(query)]).toEqual([422, ['email']]);
      // Without a valid key it is 401 first, whatever the request holds.
      expect((await t.http().post('/api/v1/leads').send({ email: 'nul@example.be', firstName: 'a\u0000b' })).status).toBe(401);
      expect(await t.db.query(`SELECT 1 FROM leads WHERE email = 'nul@example.be'`)).toEqual([]);
    });

    it('rejects only the event with a NUL character of a batch; the others are stored', async () => {
      const res = await t.api('post', '/api/v1/events').send({
        events: [
          { email: 'batch-nul@example.be', type: 'page_viewed', properties: { u: 'https://example.be/' } },
          { email: 'batch-nul@example.be', type: 'page_viewed', properties: { u: 'a\u0000' } },
        ],
      });
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ accepted: 1, rejected: 1 });
      expect(res.body.items[1]).toEqual({ index: 1, status: 'rejected', errors: [{ field: 'events[1].properties.u', message: 'must not contain a NUL character' }] });
    });

    it('refuses objects nested past 32 levels with 422 naming the field, even thousands deep', async () => {
      const deep = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
      const lead = await t.api('post', '/api/v1/leads').set('content-type', 'application/json').send(`{"email":"deep@example.be","attributes":${deep(5_000)}}`);
      expect([lead.status, lead.body.errors?.[0]?.field]).toEqual([422, `attributes${'.a'.repeat(31)}`]);
      // Also where the Idempotency-Key interceptor hashes the body first.
      const keyed = await t.api('post', '/api/v1/leads').set('idempotency-key', 'deep-1').set('content-type', 'application/json').send(`{"email":"deep@example.be","attributes":${deep(5_000)}}`);
      expect(keyed.status).toBe(422);
      const event = await t.api('post', '/api/v1/events').set('content-type', 'application/json').send(`{"email":"deep@example.be","type":"page_viewed","properties":${deep(5_000)}}`);
      expect([event.status, event.body.errors?.[0]?.message]).toEqual([422, 'nests objects and arrays deeper than 32 levels']);
      expect((await t.api('post', '/api/v1/leads').send({ email: 'deep@example.be', attributes: JSON.parse(deep(20)) })).status).toBe(201);
    });

    it('refuses a version in the path that is not a whole number from 1 to 2147483647, naming version', async () => {
      const template = await createTemplate(t);
      for (const version of ['abc', '1.5', '0', '-1', '99999999999999999999', '2147483648', '1e3']) {
        for (const path of [`/api/v1/scoring-model/versions/${version}`, `/api/v1/templates/${template}/versions/${version}`]) {
          const res = await t.api('get', path);
          expect([path, res.status, res.body.errors?.[0]?.field]).toEqual([path, 422, 'version']);
        }
      }
      expect((await t.api('get', `/api/v1/templates/${template}/versions/1`)).status).toBe(200);
      expect((await t.api('get', `/api/v1/templates/${template}/versions/2147483647`)).status).toBe(404);
      expect((await t.api('get', '/api/v1/scoring-model/versions/2147483647')).status).toBe(404);
    });

    it('refuses a non-UUID id in the path with 422 and an unknown one with 404', async () => {
      expect((await t.api('get', '/api/v1/leads/123')).status).toBe(422);
      const res = await t.api('get', '/api/v1/leads/00000000-0000-4000-8000-000000000000');
      expect(res.status).toBe(404);
      expect(res.body.type).toBe('urn:nurture:problem:not_found');
    });
  });

  it('reports health of PostgreSQL and Redis', async () => {
    const res = await t.http().get('/health');
    expect(res.status).toBe(200);
    expect(res.body.checks).toMatchObject({ database: { status: 'up' }, redis: { status: 'up' } });
  });
});
