import { apiKey, createRep, handoffFor, sendEvents, subscribe, upsertLead } from './handoffs-helpers.js';
import { createProgram, createTemplate } from './programs-helpers.js';
import { GRANTED } from './support/email-fixtures.js';
import { eventually, startTestApp, type TestApp } from './support/test-app.js';

/**
 * A JSON null in a write request is never silently ignored: it clears a value the API returns as nullable (and the
 * OpenAPI request schema says `nullable: true`), and anywhere else it is refused with 422 naming the field, with
 * nothing written. (Query strings cannot carry null.)
 */
describe('null in a request body', () => {
  let t: TestApp;
  let salesKey: string;
  let ids: Record<string, string>;

  const NULL_REFUSED = 'must not be null; leave the field out instead';
  const FULL_LEAD = {
    firstName: 'An',
    lastName: 'Peeters',
    company: 'Bakkerij Peeters',
    jobTitle: 'Zaakvoerder',
    phone: '+3212345678',
    locale: 'nl',
    timezone: 'Europe/Brussels',
    source: { channel: 'google_ads', campaign: 'offerte-q4', utm: { source: 'google', medium: 'cpc' } },
    consent: { ...GRANTED, capturedAt: '2026-01-02T10:00:00+01:00' },
    qualification: { need: 'nieuwe website', timeline: 'voor 2027', budget: '10k', authority: 'decision_maker' },
    attributes: { industry: 'food' },
  };

  /** A lead who asked for a quote: handed to sales at once. */
  async function handoff(email: string): Promise<string> {
    const leadId = await upsertLead(t, email);
    await sendEvents(t, [{ leadId, type: 'quote_requested' }]);
    return (await eventually(() => handoffFor(t, leadId))).id;
  }
  const count = async (table: string) => (await t.db.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n as number;
  const get = async (path: string, key?: string) => (await t.api('get', path, key)).body as unknown;

  beforeAll(async () => {
    t = await startTestApp({ env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', OUTBOX_RELAY_MS: '50' } });
    salesKey = await apiKey(t, 'Sales', 'sales');
    const template = await createTemplate(t, 'Welkom');
    const accepted = await handoff('accepted@example.be');
    await t.api('post', `/api/v1/handoffs/${accepted}/accept`, salesKey).send({});
    ids = {
      rep: await createRep(t, 'Anneleen'),
      otherRep: await createRep(t, 'Bruno'),
      hook: (await subscribe(t, 'http://127.0.0.1:9/hook', ['lead.created'])).id,
      lead: await upsertLead(t, 'an@bakkerij.example.be', FULL_LEAD),
      template,
      program: await createProgram(t, {
        name: 'Welkom',
        trigger: { type: 'manual' },
        steps: [
          { id: 'welcome', type: 'email', templateId: template, next: 'end' },
          { id: 'end', type: 'exit' },
        ],
      }),
      pending: await handoff('pending@example.be'),
      accepted,
    };
  });
  afterAll(async () => {
    await t?.close();
  });

  interface Refused {
    method: 'post' | 'put' | 'patch';
    path: () => string;
    /** A valid body: the test sends it with `field` (a dotted path) set to null. */
    body: () => Record<string, unknown> | Promise<Record<string, unknown>>;
    fields: string[];
    /** What must not change when the body is refused. */
    state: () => Promise<unknown>;
    key?: () => string;
  }

  const REFUSED: Record<string, Refused> = {
    'PATCH /sales-reps/{id}': {
      method: 'patch',
      path: () => `/api/v1/sales-reps/${ids.rep}`,
      body: () => ({ name: 'Anneleen C.', email: 'ac@sales.example.be', active: true, locales: ['fr'], weight: 2 }),
      fields: ['name', 'email', 'active', 'locales', 'weight'],
      state: () => get(`/api/v1/sales-reps/${ids.rep}`),
    },
    'POST /sales-reps': {
      method: 'post',
      path: () => '/api/v1/sales-reps',
      body: () => ({ name: 'Chris', email: 'chris@sales.example.be', active: true, locales: ['nl'], weight: 1 }),
      fields: ['active', 'locales', 'weight'],
      state: () => count('sales_reps'),
    },
    'PATCH /webhooks/{id}': {
      method: 'patch',
      path: () => `/api/v1/webhooks/${ids.hook}`,
      body: () => ({ url: 'http://127.0.0.1:9/other', events: ['lead.mql'], active: true }),
      fields: ['url', 'events', 'active'],
      state: () => get(`/api/v1/webhooks/${ids.hook}`),
    },
    'POST /webhooks/{id}/rotate-secret': {
      method: 'post',
      path: () => `/api/v1/webhooks/${ids.hook}/rotate-secret`,
      body: () => ({ graceSeconds: 60 }),
      fields: ['graceSeconds'],
      state: () => get(`/api/v1/webhooks/${ids.hook}`),
    },
    'POST /leads (an existing lead)': {
      method: 'post',
      path: () => '/api/v1/leads',
      body: () => ({ email: 'an@bakkerij.example.be', ...FULL_LEAD, stage: 'lead', consent: { ...FULL_LEAD.consent, capturedAt: '2026-02-02T10:00:00+01:00' } }),
      fields: ['email', 'stage', 'source', 'source.channel', 'source.utm', 'source.utm.medium', 'consent', 'consent.status', 'consent.capturedAt', 'qualification', 'attributes'],
      state: async () => [await get(`/api/v1/leads/${ids.lead}`), await count('consents')],
    },
    'POST /leads (a new lead)': {
      method: 'post',
      path: () => '/api/v1/leads',
      body: () => ({ email: 'new@example.be', stage: 'subscriber', source: { channel: 'meta' }, consent: { ...GRANTED, capturedAt: '2026-02-02T10:00:00+01:00' } }),
      fields: ['stage', 'source.channel', 'consent.capturedAt'],
      state: () => count('leads'),
    },
    'PUT /templates/{id}': {
      method: 'put',
      path: () => `/api/v1/templates/${ids.template}`,
      body: () => ({ name: 'Welkom 2', defaultLocale: 'nl', variants: { nl: { subject: 'Hallo', mjml: '<mj-section><mj-column><mj-text>Hoi</mj-text></mj-column></mj-section>' } } }),
      fields: ['name', 'defaultLocale'],
      state: () => get(`/api/v1/templates/${ids.template}`),
    },
    'PUT /templates/{id} (variants)': {
      method: 'put',
      path: () => `/api/v1/templates/${ids.template}`,
      body: () => ({ variants: { nl: { subject: 'Hallo', mjml: '<mj-section><mj-column><mj-text>Hoi</mj-text></mj-column></mj-section>' } } }),
      fields: ['variants', 'variants.nl', 'variants.nl.subject', 'variants.nl.mjml'],
      state: () => get(`/api/v1/templates/${ids.template}`),
    },
    'POST /templates': {
      method: 'post',
      path: () => '/api/v1/templates',
      body: () => ({ name: 'Nieuw', variants: { nl: { subject: 'Hallo', mjml: '<mj-section><mj-column><mj-text>Hoi</mj-text></mj-column></mj-section>' }, en: { subject: 'Hello', mjml: '<mj-section><mj-column><mj-text>Hi</mj-text></mj-column></mj-section>' } } }),
      fields: ['name', 'defaultLocale', 'variants', 'variants.en', 'variants.en.subject', 'variants.en.mjml'],
      state: () => count('templates'),
    },
    'PUT /programs/{id}': {
      method: 'put',
      path: () => `/api/v1/programs/${ids.program}`,
      body: () => ({
        name: 'Welkom',
        description: 'Voor nieuwe leads',
        trigger: { type: 'event', eventType: 'content_downloaded', where: { 'properties.asset': 'gids' } },
        entryFilter: { field: 'attributes.industry', op: 'equals', value: 'food' },
        goal: { anyOf: [{ stageAtLeast: 'mql' }] },
        reenrollment: { policy: 'after', days: 30 },
        sendWindow: { days: ['mon'], from: '09:00', to: '17:00' },
        locales: ['nl'],
        steps: [
          { id: 'welcome', type: 'email', templateId: ids.template, next: 'end' },
          { id: 'end', type: 'exit', reason: 'done' },
        ],
      }),
      fields: [
        'name',
        'description',
        'trigger',
        'trigger.type',
        'trigger.where',
        'entryFilter',
        'entryFilter.op',
        'goal',
        'goal.anyOf',
        'reenrollment.days',
        'sendWindow',
        'sendWindow.from',
        'locales',
        'steps',
        'steps.0.id',
        'steps.0.templateId',
        'steps.0.next',
        'steps.1.reason',
      ],
      state: () => get(`/api/v1/programs/${ids.program}`),
    },
    'POST /programs': {
      method: 'post',
      path: () => '/api/v1/programs',
      body: () => ({
        name: 'Nieuw',
        trigger: { type: 'manual' },
        steps: [
          { id: 'welcome', type: 'email', templateId: ids.template, next: 'end' },
          { id: 'end', type: 'exit' },
        ],
      }),
      fields: ['name', 'trigger', 'steps.0.type'],
      state: () => count('programs'),
    },
    'PUT /scoring-model': {
      method: 'put',
      path: () => '/api/v1/scoring-model',
      body: async () => ((await get('/api/v1/scoring-model')) as { definition: Record<string, unknown> }).definition,
      fields: [
        'halfLifeDays',
        'mql',
        'mql.engagementThreshold',
        'mql.qualificationFields',
        'mql.qualificationFields.0',
        'behaviourRules',
        'behaviourRules.0',
        'behaviourRules.0.points',
        'behaviourRules.0.cap',
        'behaviourRules.0.cap.window',
        'behaviourRules.3.where',
        'behaviourRules.3.where.0.value',
        'fitRules.0.where.0',
        'intentTiers',
        'intentTiers.quote_requested',
      ],
      state: () => get('/api/v1/scoring-model'),
    },
    'PUT /scoring-model (a version as GET answers it)': {
      method: 'put',
      path: () => '/api/v1/scoring-model',
      body: async () => (await get('/api/v1/scoring-model')) as Record<string, unknown>,
      fields: ['definition', 'definition.halfLifeDays', 'definition.fitRules.1.points'],
      state: () => get('/api/v1/scoring-model'),
    },
    'POST /templates/{id}/preview': {
      method: 'post',
      path: () => `/api/v1/templates/${ids.template}/preview`,
      body: () => ({ leadId: ids.lead, locale: 'nl' }),
      fields: ['leadId', 'locale'],
      state: async () => null,
    },
    'POST /templates/{id}/preview (sample data)': {
      method: 'post',
      path: () => `/api/v1/templates/${ids.template}/preview`,
      body: () => ({ data: { firstName: 'An' } }),
      fields: ['data'],
      state: async () => null,
    },
    'POST /templates/{id}/test-send': {
      method: 'post',
      path: () => `/api/v1/templates/${ids.template}/test-send`,
      body: () => ({ to: 'marketing@example.be', locale: 'nl' }),
      fields: ['locale'],
      state: () => count('email_messages'),
    },
    'POST /programs/starters': {
      method: 'post',
      path: () => '/api/v1/programs/starters',
      body: () => ({ activate: false }),
      fields: ['activate'],
      state: () => count('programs'),
    },
    'POST /programs/{id}/enrollments': {
      method: 'post',
      path: () => `/api/v1/programs/${ids.program}/enrollments`,
      body: () => ({ leadId: ids.lead }),
      fields: ['leadId'],
      state: () => count('enrollments'),
    },
    'POST /programs/{id}/enrollments (a list)': {
      method: 'post',
      path: () => `/api/v1/programs/${ids.program}/enrollments`,
      body: () => ({ leadIds: [ids.lead] }),
      fields: ['leadIds'],
      state: () => count('enrollments'),
    },
    'POST /programs/{id}/simulate': {
      method: 'post',
      path: () => `/api/v1/programs/${ids.program}/simulate`,
      body: () => ({ lead: { stage: 'lead' }, events: [{ type: 'email_clicked', at: '2026-03-11T10:00:00+01:00', properties: {} }], from: '2026-03-10T10:00:00+01:00', version: 1 }),
      fields: ['events', 'events.0.properties', 'from', 'version'],
      state: async () => null,
    },
    'POST /handoffs/{id}/accept': {
      method: 'post',
      path: () => `/api/v1/handoffs/${ids.pending}/accept`,
      body: () => ({ note: 'Gebeld' }),
      fields: ['note'],
      state: () => get(`/api/v1/handoffs/${ids.pending}`, salesKey),
      key: () => salesKey,
    },
    'POST /handoffs/{id}/reject': {
      method: 'post',
      path: () => `/api/v1/handoffs/${ids.pending}/reject`,
      body: () => ({ reason: 'not_now', note: 'Volgend jaar', disqualify: false }),
      fields: ['reason', 'note', 'disqualify'],
      state: () => get(`/api/v1/handoffs/${ids.pending}`, salesKey),
      key: () => salesKey,
    },
    'POST /handoffs/{id}/reassign': {
      method: 'post',
      path: () => `/api/v1/handoffs/${ids.pending}/reassign`,
      body: () => ({ ownerId: ids.otherRep, note: 'Verlof' }),
      fields: ['ownerId', 'note'],
      state: () => get(`/api/v1/handoffs/${ids.pending}`, salesKey),
    },
    'POST /handoffs/{id}/outcome': {
      method: 'post',
      path: () => `/api/v1/handoffs/${ids.accepted}/outcome`,
      body: () => ({ outcome: 'won', value: 1200, currency: 'EUR', note: 'Getekend' }),
      fields: ['value', 'currency', 'note'],
      state: () => get(`/api/v1/handoffs/${ids.accepted}`, salesKey),
      key: () => salesKey,
    },
    'POST /email/bounces': {
      method: 'post',
      path: () => '/api/v1/email/bounces',
      body: () => ({ email: 'an@bakkerij.example.be', type: 'soft', reason: '452 mailbox full' }),
      fields: ['email', 'reason'],
      state: () => count('email_bounces'),
    },
    'POST /email/unsubscribes': {
      method: 'post',
      path: () => '/api/v1/email/unsubscribes',
      body: () => ({ subject: 'unsubscribe:whatever', from: 'an@bakkerij.example.be' }),
      fields: ['from'],
      state: async () => null,
    },
    'POST /events': {
      method: 'post',
      path: () => '/api/v1/events',
      body: () => ({ leadId: ids.lead, type: 'page_viewed', occurredAt: '2026-01-05T10:00:00+01:00', properties: { url: '/prijzen' }, idempotencyKey: 'view-1' }),
      fields: ['leadId', 'type', 'occurredAt', 'properties', 'idempotencyKey'],
      state: () => count('events'),
    },
  };

  function withNull(body: Record<string, unknown>, field: string): Record<string, unknown> {
    const copy = structuredClone(body);
    const keys = field.split('.');
    let o = copy as Record<string, unknown>;
    for (const k of keys.slice(0, -1)) o = o[k] as Record<string, unknown>;
    o[keys[keys.length - 1]] = null;
    return copy;
  }
  const fieldName = (field: string) => field.replace(/\.(\d+)(?=\.|$)/g, '[$1]');

  const cases = Object.entries(REFUSED).flatMap(([name, c]) => c.fields.map((field) => [name, field] as const));
  it.each(cases)('%s refuses %s: null with 422 naming it, and changes nothing', async (name, field) => {
    const c = REFUSED[name];
    const before = await c.state();
    const res = await t.api(c.method, c.path(), c.key?.()).send(withNull(await c.body(), field));
    expect({ status: res.status, type: res.headers['content-type'], errors: res.body.errors }).toEqual({
      status: 422,
      type: expect.stringContaining('application/problem+json'),
      errors: [{ field: fieldName(field), message: NULL_REFUSED }],
    });
    expect(await c.state()).toEqual(before);
  });

  it.each(Object.keys(REFUSED))('%s refuses a body that is JSON null with 422 naming body, and changes nothing', async (name) => {
    const c = REFUSED[name];
    const before = await c.state();
    const res = await t.api(c.method, c.path(), c.key?.()).set('content-type', 'application/json').send('null');
    expect({ status: res.status, type: res.headers['content-type'], fields: (res.body.errors ?? []).map((e: { field: string }) => e.field) }).toEqual({
      status: 422,
      type: expect.stringContaining('application/problem+json'),
      fields: ['body'],
    });
    expect(await c.state()).toEqual(before);
  });

  it('an event of a batch with a null field is rejected naming it; the others are taken', async () => {
    const res = await t.api('post', '/api/v1/events').send({
      events: [
        { leadId: ids.lead, type: 'page_viewed', occurredAt: null },
        { leadId: ids.lead, type: 'page_viewed', properties: { url: '/over-ons' } },
      ],
    });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ accepted: 1, rejected: 1 });
    expect(res.body.items[0].errors).toEqual([{ field: 'events[0].occurredAt', message: NULL_REFUSED }]);
  });

  it.each(['firstName', 'lastName', 'company', 'jobTitle', 'phone', 'locale', 'timezone'])('a lead upsert with %s: null clears it', async (field) => {
    const email = `clear-${field.toLowerCase()}@example.be`;
    const id = await upsertLead(t, email, FULL_LEAD);
    const res = await t.api('post', '/api/v1/leads').send({ email, [field]: null });
    expect(res.status).toBe(200);
    expect(res.body[field]).toBeNull();
    expect(((await get(`/api/v1/leads/${id}`)) as Record<string, unknown>)[field]).toBeNull();
  });

  it('a lead upsert clears one qualification answer with null and keeps the others', async () => {
    const id = await upsertLead(t, 'clear-need@example.be', FULL_LEAD);
    await t.api('post', '/api/v1/leads').send({ email: 'clear-need@example.be', qualification: { need: null } }).expect(200);
    expect(((await get(`/api/v1/leads/${id}`)) as { qualification: unknown }).qualification).toEqual({ ...FULL_LEAD.qualification, need: null });
  });

  it('a consent given with text or source null records none of it', async () => {
    const res = await t.api('post', '/api/v1/leads').send({ email: 'consent-nulls@example.be', consent: { status: 'granted', basis: 'consent', text: null, source: null } });
    expect(res.status).toBe(201);
    expect(res.body.consent).toMatchObject({ status: 'granted', basis: 'consent', text: null, source: null });
  });

  it('a scoring model takes mql.minFitScore null as no fit requirement, as GET answers it, and a number sets one', async () => {
    const { definition } = (await get('/api/v1/scoring-model')) as { definition: { mql: Record<string, unknown> } };
    const withFit = await t.api('put', '/api/v1/scoring-model').send({ ...definition, mql: { ...definition.mql, minFitScore: 10 } });
    expect(withFit.status).toBe(200);
    expect(withFit.body.definition.mql.minFitScore).toBe(10);
    const cleared = await t.api('put', '/api/v1/scoring-model').send({ ...definition, mql: { ...definition.mql, minFitScore: null } });
    expect(cleared.status).toBe(200);
    expect(cleared.body.version).toBe(withFit.body.version + 1);
    expect(((await get('/api/v1/scoring-model')) as typeof cleared.body).definition.mql.minFitScore).toBeNull();
  });

  it('a webhook is created without a description with null, and PATCH clears one with null', async () => {
    const created = await t.api('post', '/api/v1/webhooks').send({ url: 'http://127.0.0.1:9/a', events: ['lead.created'], description: null });
    expect(created.status).toBe(201);
    expect(created.body.description).toBeNull();
    const cleared = await t.api('patch', `/api/v1/webhooks/${ids.hook}`).send({ description: null });
    expect(cleared.status).toBe(200);
    expect(cleared.body.description).toBeNull();
  });

  it('the OpenAPI request schemas mark as nullable exactly the fields null clears', async () => {
    const { components } = (await t.http().get('/docs-json')).body as { components: { schemas: Record<string, { properties: Record<string, { nullable?: boolean }> }> } };
    const nullable = (schema: string) =>
      Object.entries(components.schemas[schema].properties)
        .filter(([, p]) => p.nullable)
        .map(([k]) => k)
        .sort();
    expect(nullable('UpsertLeadDto')).toEqual(['company', 'firstName', 'jobTitle', 'lastName', 'locale', 'phone', 'timezone']);
    expect(nullable('QualificationDto')).toEqual(['authority', 'budget', 'need', 'timeline']);
    expect(nullable('ConsentDto')).toEqual(['source', 'text']);
    expect(nullable('CreateWebhookDto')).toEqual(['description']);
    expect(nullable('UpdateWebhookDto')).toEqual(['description']);
    expect(components.schemas.UpdateWebhookDto.properties.description).toMatchObject({ type: 'string', nullable: true });
    for (const schema of ['UpdateSalesRepDto', 'CreateSalesRepDto', 'UpdateTemplateDto', 'PreviewTemplateDto', 'EnrollDto', 'SimulateDto', 'RejectHandoffDto', 'HandoffOutcomeDto']) {
      expect([schema, nullable(schema)]).toEqual([schema, []]);
    }
  });
});
