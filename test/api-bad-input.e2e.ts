import fc from 'fast-check';
import type { Response } from 'supertest';
import { apiKey, createRep, handoffFor, sendEvents, subscribe, upsertLead } from './handoffs-helpers.js';
import { createProgram, createTemplate } from './programs-helpers.js';
import { badBodies, badPaths, badQueries, resolve, type BadCase, type Parameter, type Schema } from './support/bad-input.js';
import { ADMIN_KEY, eventually, startTestApp, type TestApp } from './support/test-app.js';

/**
 * Bad input never gets a 500: every operation of the served OpenAPI document under /api/v1 is sent generated bad
 * input (fast-check, seeded, a bounded number of runs per operation) in its body, query string, path parameters
 * and Idempotency-Key header. Each answer is a 4xx application/problem+json (404 for an unknown id, 400/422 for bad
 * input naming the field, 401/403 for keys), and a refused write changes nothing.
 *
 * Deliberate exceptions: a huge string in a free-text field, null where the schema says
 * nullable, and a bad value of a free-text query filter are not wrong in themselves, so they may be accepted (never
 * a 5xx). The public routes /t/o, /t/c and /u take only a signed token, tested with garbage tokens; /health,
 * /metrics and /docs take no input.
 */

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
interface Operation {
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
}
interface Doc {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

const SEED = 20260301;
/**
 * Each operation's cases are seeded by its method and path (FNV-1a), not by its place in the document: adding an
 * operation leaves every other operation's cases as they were.
 */
function seedOf(method: string, path: string): number {
  let h = 0x811c9dc5;
  for (const c of `${method} ${path}`) h = Math.imul(h ^ c.codePointAt(0)!, 0x01000193) >>> 0;
  return (SEED ^ h) >>> 0;
}
const RUNS = 14;
/** The definition fields of bodies the document describes as open objects. */
const OPEN_BODY_FIELDS: Record<string, string[]> = {
  '/api/v1/programs': ['name', 'trigger', 'goal', 'reenrollment', 'sendWindow', 'entryFilter', 'locales', 'steps'],
  '/api/v1/programs/{id}': ['name', 'trigger', 'goal', 'steps'],
  '/api/v1/scoring-model': ['behaviourRules', 'fitRules', 'intentTiers', 'mql', 'halfLifeDays'],
};

describe('bad input to any operation of the API', () => {
  let t: TestApp;
  let doc: Doc;
  let ids: Record<string, string>;
  let ingestKey: string;

  /** The main tables' row counts and the rows that only the API changes: what a refused write must leave alone. */
  const state = async (): Promise<unknown> =>
    (
      await t.db.query(`SELECT
        (SELECT count(*) FROM leads) AS leads, (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM consents) AS consents,
        (SELECT count(*) FROM templates) AS templates, (SELECT count(*) FROM template_versions) AS template_versions,
        (SELECT count(*) FROM programs) AS programs, (SELECT count(*) FROM program_versions) AS program_versions,
        (SELECT count(*) FROM enrollments) AS enrollments, (SELECT count(*) FROM handoffs) AS handoffs,
        (SELECT count(*) FROM api_keys) AS api_keys, (SELECT count(*) FROM suppressions) AS suppressions,
        (SELECT count(*) FROM suppression_lifts) AS lifts, (SELECT count(*) FROM scoring_models) AS scoring_models,
        (SELECT count(*) FROM email_bounces) AS bounces, (SELECT count(*) FROM stage_changes) AS stage_changes,
        (SELECT md5(string_agg(concat_ws('|', id, email, stage, first_name, company, locale, timezone, erased_at), ',' ORDER BY id)) FROM leads) AS lead_rows,
        (SELECT md5(string_agg(concat_ws('|', id, status, owner_id, note, outcome_at), ',' ORDER BY id)) FROM handoffs) AS handoff_rows,
        (SELECT md5(string_agg(concat_ws('|', id, name, status, draft::text, current_version, archived_at), ',' ORDER BY id)) FROM programs) AS program_rows,
        (SELECT md5(string_agg(concat_ws('|', id, name, default_locale, current_version, archived_at), ',' ORDER BY id)) FROM templates) AS template_rows,
        (SELECT md5(string_agg(concat_ws('|', id, name, email, active, locales::text, regions::text, weight), ',' ORDER BY id)) FROM sales_reps) AS rep_rows,
        (SELECT md5(string_agg(concat_ws('|', id, url, events::text, active, secret_encrypted, deleted_at), ',' ORDER BY id)) FROM webhook_subscriptions) AS hook_rows,
        (SELECT count(*) FROM api_keys WHERE revoked_at IS NOT NULL) AS revoked_keys`)
    )[0];

  beforeAll(async () => {
    t = await startTestApp({ env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', OUTBOX_RELAY_MS: '50' } });
    doc = (await t.http().get('/docs-json')).body as Doc;
    ingestKey = await apiKey(t, 'Formulieren', 'ingest');
    const keyId = (await t.api('post', '/api/v1/api-keys').send({ name: 'Spare', role: 'sales' })).body.id as string;
    const lead = await upsertLead(t, 'an@bakkerij.example.be');
    const template = await createTemplate(t, 'Welkom');
    const program = await createProgram(t, { name: 'Welkom', trigger: { type: 'manual' }, steps: [{ id: 'welcome', type: 'email', templateId: template, next: 'end' }, { id: 'end', type: 'exit' }] });
    const hot = await upsertLead(t, 'offerte@example.be');
    await sendEvents(t, [{ leadId: hot, type: 'quote_requested' }]);
    const handoff = (await eventually(() => handoffFor(t, hot))).id;
    const rep = await createRep(t, 'Anneleen');
    const hook = (await subscribe(t, 'http://127.0.0.1:9/hook', ['lead.created'])).id;
    await t.api('post', '/api/v1/suppressions').send({ email: 'weg@example.be', reason: 'manual' });
    const [{ hash }] = await t.db.query(`SELECT email_hash AS hash FROM suppressions LIMIT 1`);
    ids = { lead, template, program, handoff, rep, hook, keyId, emailHash: hash ?? '0'.repeat(64) };
    // Let the relay and workers finish with the fixtures, so that only the requests below could change the tables.
    await eventually(async () => (await t.db.query(`SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL`))[0].n === 0);
  });
  afterAll(async () => {
    await t?.close();
  });

  /** The real id each path parameter takes when a case does not replace it. */
  function pathOf(path: string, replaced: Record<string, string> = {}): string {
    const resource = path.split('/')[3];
    const real: Record<string, string> = {
      id: { programs: ids.program, leads: ids.lead, templates: ids.template, handoffs: ids.handoff, 'sales-reps': ids.rep, webhooks: ids.hook, 'api-keys': ids.keyId }[resource] ?? '00000000-0000-4000-8000-000000000000',
      leadId: ids.lead,
      deliveryId: '00000000-0000-4000-8000-000000000001',
      version: '1',
      emailHash: ids.emailHash,
      token: 'garbage',
    };
    return path.replace(/\{(\w+)\}/g, (_, name: string) => replaced[name] ?? real[name]);
  }

  function operations(): { method: Method; path: string; op: Operation }[] {
    return Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/api/v1/'))
      .flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ method: method as Method, path, op })));
  }

  async function send(method: Method, path: string, c: BadCase, key = ADMIN_KEY, idempotencyKey?: string): Promise<Response> {
    const url = pathOf(path, c.path) + (c.query ? `?${c.query}` : '');
    let req = t.http()[method](url).set('authorization', `Bearer ${key}`);
    if (idempotencyKey !== undefined) req = req.set('idempotency-key', idempotencyKey);
    if (c.raw !== undefined) return req.set('content-type', 'application/json').send(c.raw);
    if (c.body !== undefined) return req.send(c.body as object);
    return req;
  }

  /** Why the answer breaks the rule (empty when it keeps it). */
  function problems(res: Response, c: BadCase, requiresInput: boolean): string[] {
    const found: string[] = [];
    if (res.status >= 500) return [`answered ${res.status}: ${res.text.slice(0, 300)}`];
    if (res.status < 400) return c.refused ? [`accepted (${res.status})`] : [];
    if (!String(res.headers['content-type']).startsWith('application/problem+json')) found.push(`content type ${res.headers['content-type']}`);
    const body = res.body as { type?: unknown; title?: unknown; status?: unknown; detail?: unknown; errors?: { field: string }[] };
    if (typeof body.type !== 'string' || typeof body.title !== 'string' || body.status !== res.status) found.push(`not a problem: ${res.text.slice(0, 200)}`);
    // An unknown id is 404, unless the request is refused first for input the case leaves out (its body or a required query parameter).
    if (c.path && !c.field && res.status !== 404 && !(res.status === 422 && requiresInput)) found.push(`an unknown id answered ${res.status}, not 404`);
    if ((res.status === 400 || res.status === 422) && c.field && !names(body, c)) found.push(`does not name ${c.field}: ${res.text.slice(0, 300)}`);
    return found;
  }

  /**
   * Whether a 400/422 names the case's field: in `errors` (the field or one below it; `body` for the body as a
   * whole) or in `detail`. A refusal for input the case leaves out (a required field or query parameter it does
   * not send) names that instead, which is as good: the request was refused and says what to fix.
   */
  function names(body: { detail?: unknown; errors?: { field: string }[] }, c: BadCase): boolean {
    const fields = (body.errors ?? []).map((e) => e.field);
    if (fields.some((f) => f === c.field || f.startsWith(`${c.field}.`) || f.startsWith(`${c.field}[`))) return true;
    if (String(body.detail).toLowerCase().includes(c.field!.toLowerCase())) return true;
    const sent = new Set([...Object.keys(c.body && typeof c.body === 'object' && !Array.isArray(c.body) ? c.body : {}), ...[...new URLSearchParams(c.query ?? '').keys()]]);
    return fields.length > 0 && fields.every((f) => f !== '' && !sent.has(f.split(/[.[]/)[0]));
  }

  /** Sends each case, collecting what broke the rule and what a refused write changed. */
  async function check(method: Method, path: string, cases: BadCase[], key?: string, idempotencyKey?: string): Promise<string[]> {
    const op = doc.paths[path][method];
    const requiresInput = !!op.requestBody?.required || (op.parameters ?? []).some((p) => p.in === 'query' && p.required);
    const failures: string[] = [];
    for (const c of cases) {
      const before = method === 'get' ? undefined : await state();
      const res = await send(method, path, c, key, idempotencyKey);
      const found = problems(res, c, requiresInput);
      if (before !== undefined && res.status >= 400 && JSON.stringify(await state()) !== JSON.stringify(before)) found.push('a refused write changed the tables');
      if (found.length) failures.push(`${method.toUpperCase()} ${path} with ${c.label}: ${found.join('; ')}`);
    }
    return failures;
  }

  function casesFor(method: Method, path: string, op: Operation, seed: number): BadCase[] {
    const params = op.parameters ?? [];
    const arbitraries: fc.Arbitrary<BadCase>[] = [badQueries(params)];
    const paths = badPaths(params);
    if (paths) arbitraries.push(paths);
    if (op.requestBody) {
      const schema = resolve(doc, op.requestBody.content?.['application/json']?.schema);
      const body = badBodies(schema?.oneOf ? resolve(doc, schema.oneOf[0]) : schema, OPEN_BODY_FIELDS[path]);
      // A JSON null where the body is optional is no body, so it may be accepted (every case of the body, twice the weight).
      const bodies = op.requestBody.required ? body : body.map((c) => (c.raw === 'null' ? { ...c, refused: false } : c));
      arbitraries.push(bodies, bodies);
    } else if (method !== 'get') {
      arbitraries.push(fc.constantFrom<BadCase>({ label: 'a body where none is taken', body: { foo: 1 }, field: 'foo', refused: true }));
    }
    return fc.sample(fc.oneof(...arbitraries), { seed, numRuns: RUNS });
  }

  it('answers bad input to every operation under /api/v1 with a 4xx problem naming the field, never a 5xx', async () => {
    const ops = operations();
    expect(ops.length).toBeGreaterThan(60);
    const failures: string[] = [];
    for (const { method, path, op } of ops) failures.push(...(await check(method, path, casesFor(method, path, op, seedOf(method, path)))));
    expect(failures).toEqual([]);
  }, 120_000);

  it('refuses a bad Idempotency-Key on every write with 422 naming it, changing nothing', async () => {
    const failures: string[] = [];
    const writes = operations().filter((o) => o.method !== 'get');
    for (const { method, path } of writes) {
      const key = fc.sample(fc.constantFrom('', ' ', 'x'.repeat(201), 'é'.repeat(5), 'sleutel\u00ff'), { seed: seedOf(method, path), numRuns: 1 })[0];
      failures.push(...(await check(method, path, [{ label: `Idempotency-Key ${JSON.stringify(key.slice(0, 10))}`, body: {}, field: 'Idempotency-Key', refused: true }], ADMIN_KEY, key)));
    }
    expect(failures).toEqual([]);
  });

  it('refuses a wrong-role or unknown key before looking at the input (403 / 401)', async () => {
    const sample = operations().filter((o) => !['/api/v1/leads', '/api/v1/events'].includes(o.path) || o.method === 'get');
    const failures: string[] = [];
    for (const [i, { method, path }] of sample.filter((_, i) => i % 3 === 0).entries()) {
      const bad: BadCase = { label: 'bad input', body: method === 'get' ? undefined : { nope: 1 }, query: 'limit=abc', refused: true };
      for (const [key, status] of [[ingestKey, 403], [`nk_${i}_unknown`, 401]] as const) {
        const res = await send(method, path, bad, key);
        if (res.status !== status || !String(res.headers['content-type']).startsWith('application/problem+json')) {
          failures.push(`${method.toUpperCase()} ${path} with ${status === 403 ? 'an ingest' : 'an unknown'} key: ${res.status} ${res.text.slice(0, 200)}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('answers a garbage token on the public tracking and unsubscribe routes without a 5xx', async () => {
    // A URL that cannot be decoded (%FF) is a 400, one too long a 414, a NUL in the token may be refused as input
    // (422): all problem+json. Otherwise the pixel is a GIF whatever the token, and a link or page a 404.
    const refusedUrl = (res: Response) => [400, 414, 422].includes(res.status) && String(res.headers['content-type']).startsWith('application/problem+json');
    for (const token of ['garbage', '%00', '%FF', 'x'.repeat(3000), 'a.b.c']) {
      const open = await t.http().get(`/t/o/${token}`);
      if (!refusedUrl(open)) expect([token, open.status, open.headers['content-type']]).toEqual([token, 200, 'image/gif']);
      for (const [method, path] of [['get', `/t/c/${token}`], ['get', `/u/${token}`], ['post', `/u/${token}`]] as const) {
        const res = await t.http()[method](path);
        if (!refusedUrl(res)) expect([path.slice(0, 40), res.status]).toEqual([path.slice(0, 40), 404]);
        expect(res.headers.location).toBeUndefined();
      }
    }
  });
});
