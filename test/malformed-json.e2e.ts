import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from './support/test-app.js';

type Operation = { requestBody?: { content?: Record<string, unknown> }; responses?: Record<string, unknown> };

/**
 * A body that is not JSON although it says so (`{"email":`) is answered 400 problem+json naming the field body, on
 * every operation of the document that takes a JSON body — the Nest controllers (whose Fastify error Nest wraps in
 * an HttpException) and the plain Fastify route POST /api/v1/events alike — and the document says so.
 */
describe('malformed JSON bodies', () => {
  let t: TestApp;
  let jsonOperations: [string, string, Operation][];
  let doc: { paths: Record<string, Record<string, Operation>> };

  beforeAll(async () => {
    t = await startTestApp();
    doc = (await t.http().get('/docs-json')).body as typeof doc;
    jsonOperations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => op.requestBody?.content?.['application/json'])
        .map(([method, op]): [string, string, Operation] => [method, path, op]),
    );
  });
  afterAll(async () => {
    await t?.close();
  });

  const expectBodyNamed = (label: string, res: { status: number; headers: Record<string, string>; body: Record<string, unknown> }) => {
    expect([label, res.status, res.headers['content-type']]).toEqual([label, 400, expect.stringMatching(/^application\/problem\+json/)]);
    expect([label, res.body]).toEqual([
      label,
      expect.objectContaining({ status: 400, title: 'Bad Request', detail: expect.any(String), errors: [{ field: 'body', message: res.body.detail }] }),
    ]);
  };

  it('answers every JSON operation (API writes and POST /api/v1/events) with 400 naming the body, and documents it', async () => {
    const paths = jsonOperations.map(([method, path]) => `${method} ${path}`);
    expect(paths).toEqual(expect.arrayContaining(['post /api/v1/leads', 'patch /api/v1/leads/{id}', 'post /api/v1/events', 'put /api/v1/scoring-model']));
    for (const [method, path, op] of jsonOperations) {
      const url = path.replace(/\{\w+\}/g, () => randomUUID());
      const res = await t.api(method as 'post', url).set('content-type', 'application/json').send('{"email":');
      expectBodyNamed(`${method} ${path}`, res);
      expect([`${method} ${path}`, op.responses?.['400']]).toEqual([`${method} ${path}`, expect.objectContaining({ description: expect.stringMatching(/Malformed JSON/) })]);
    }
  });

  it('names the body the same without a key (the body is read before the key is checked) and on the public unsubscribe page', async () => {
    expectBodyNamed('post /api/v1/leads without a key', await t.http().post('/api/v1/leads').set('content-type', 'application/json').send('{"email":'));
    expectBodyNamed('post /u/{token}', await t.http().post('/u/not-a-token').set('content-type', 'application/json').send('[1,'));
    // The page's forms are documented as form bodies only; the 400 for a JSON one is documented all the same.
    expect(doc.paths['/u/{token}'].post.responses?.['400']).toEqual(
      expect.objectContaining({ content: { 'application/problem+json': expect.anything() }, description: expect.stringMatching(/field body/) }),
    );
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM leads`);
    expect(n).toBe(0);
  });
});
