import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { HELD_REASON } from '../src/email/email-message.types.js';
import { signToken } from '../src/tracking/domain/tracking-token.js';
import { createRep, sendEvents, subscribe, upsertLead } from './handoffs-helpers.js';
import { createProgram, enroll } from './programs-helpers.js';
import { createTemplate, WELCOME_VARIANTS } from './support/email-fixtures.js';
import { OpenApiAnswers } from './support/openapi-answers.js';
import { eventually, startTestApp, type TestApp } from './support/test-app.js';
import { WebhookReceiver } from './webhooks-receiver.js';

/**
 * Every answer below is checked against the served OpenAPI document: its status is documented for the
 * operation, its content type is listed for that status, and its body is valid against the schema.
 */
describe('answers match the OpenAPI document', () => {
  let t: TestApp;
  let doc: OpenApiAnswers;
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    t = await startTestApp({ env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', OUTBOX_RELAY_MS: '30', WEBHOOK_SWEEP_MS: '50' } });
    doc = await OpenApiAnswers.load(t);
  });
  afterAll(async () => {
    await t?.close();
    for (const r of receivers) await r.close();
  });

  /** Sends the request and checks the answer against the document; `path` is the operation's path template. */
  async function call(method: 'get' | 'post' | 'put' | 'patch' | 'delete', url: string, path: string, body?: object, status?: number): Promise<Response> {
    const req = t.api(method, url);
    const res = body === undefined ? await req : await req.send(body);
    if (status !== undefined) expect([res.status, res.text.slice(0, 500)]).toEqual([status, expect.anything()]);
    doc.expect(res, method, path);
    return res;
  }

  /** A nurture email as sent to the lead, without running a program. */
  async function sentMessage(leadId: string, status = 'sent'): Promise<string> {
    const [row] = await t.db.query(
      `INSERT INTO email_messages (idempotency_key, kind, lead_id, to_address, template_id, step_id, enrollment_id, status, status_reason, sent_at)
       VALUES ($1, 'nurture', $2, (SELECT email FROM leads WHERE id = $2), $3, 'welcome', $4, $5, $6, now()) RETURNING id`,
      [randomUUID(), leadId, randomUUID(), randomUUID(), status, status === 'held' ? HELD_REASON : null],
    );
    return row.id;
  }

  const unsubscribeToken = (messageId: string) => signToken(t.config.trackingSecret, { k: 'u', m: messageId });

  it('checks what it is given: an undocumented field type or status is reported', async () => {
    const res = await t.api('get', '/api/v1/leads');
    expect(doc.problems({ ...res, body: { items: [{ id: 1 }], nextCursor: null } } as Response, 'get', '/api/v1/leads')).not.toEqual([]);
    expect(doc.problems({ ...res, status: 299 } as Response, 'get', '/api/v1/leads')).toEqual([expect.stringContaining('does not document status 299')]);
    expect(doc.problems(res, 'get', '/api/v1/leads')).toEqual([]);
  });

  it('documents every id the API takes as a UUID with format uuid (path and query parameters, request bodies)', async () => {
    const document = (await t.http().get('/docs-json')).body as {
      paths: Record<string, Record<string, { parameters?: { name: string; in: string; schema?: Record<string, unknown> }[]; requestBody?: { content?: Record<string, { schema?: { $ref?: string } }> } }>>;
      components: { schemas: Record<string, { properties?: Record<string, Record<string, unknown>> }> };
    };
    const schemaOf = (ref: string | undefined) => (ref ? document.components.schemas[ref.split('/').pop()!] : undefined);
    const ids: string[] = [];
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        for (const p of op.parameters ?? []) if (/(^id|Id)$/.test(p.name)) ids.push(`${method} ${path} ${p.in} ${p.name}: ${String(p.schema?.format)}`);
        const body = schemaOf(op.requestBody?.content?.['application/json']?.schema?.$ref);
        for (const [name, prop] of Object.entries(body?.properties ?? {})) {
          if (/(^id|Id)$/.test(name)) ids.push(`${method} ${path} body ${name}: ${String(prop.format ?? (prop.items as Record<string, unknown> | undefined)?.format)}`);
        }
      }
    }
    expect(ids.length).toBeGreaterThan(40);
    expect(ids.filter((line) => !line.endsWith(': uuid'))).toEqual([]);
  });

  describe('the main endpoints', () => {
    it('leads, events, score and timeline', async () => {
      const created = await call('post', '/api/v1/leads', '/api/v1/leads', { email: 'main-lead@example.be', firstName: 'Mona', source: { channel: 'google_ads', utm: { source: 'google' } } }, 201);
      const id = created.body.id;
      await call('post', '/api/v1/leads', '/api/v1/leads', { email: 'Main-Lead@example.be', consent: { status: 'granted', basis: 'legitimate_interest' } }, 200);
      await call('get', '/api/v1/leads?limit=1', '/api/v1/leads', undefined, 200);
      await call('get', `/api/v1/leads/${id}`, '/api/v1/leads/{id}', undefined, 200);
      const ingested = await call(
        'post',
        '/api/v1/events',
        '/api/v1/events',
        { events: [{ leadId: id, type: 'page_viewed', properties: { url: 'https://example.be/pricing' } }, { leadId: id, type: 'Not-Snake' }, { leadId: id, type: 'content_downloaded', idempotencyKey: 'main-1' }] },
        202,
      );
      expect(ingested.body).toMatchObject({ accepted: 2, rejected: 1 });
      await call('post', '/api/v1/events', '/api/v1/events', { leadId: id, type: 'content_downloaded', idempotencyKey: 'main-1' }, 202);
      await call('get', `/api/v1/leads/${id}/score`, '/api/v1/leads/{id}/score', undefined, 200);
      await call('get', `/api/v1/leads/${id}/timeline`, '/api/v1/leads/{id}/timeline', undefined, 200);
      await call('get', `/api/v1/leads/${randomUUID()}`, '/api/v1/leads/{id}', undefined, 404);
    });

    it('templates', async () => {
      const created = await call('post', '/api/v1/templates', '/api/v1/templates', { name: 'Main template', defaultLocale: 'nl', variants: WELCOME_VARIANTS }, 201);
      const id = created.body.id;
      await call('get', '/api/v1/templates', '/api/v1/templates', undefined, 200);
      await call('get', `/api/v1/templates/${id}`, '/api/v1/templates/{id}', undefined, 200);
      await call('put', `/api/v1/templates/${id}`, '/api/v1/templates/{id}', { variants: WELCOME_VARIANTS }, 200);
      await call('post', `/api/v1/templates/${id}/preview`, '/api/v1/templates/{id}/preview', { data: { firstName: 'Jonas' }, locale: 'en' }, 200);
      await call('post', `/api/v1/templates/${id}/test-send`, '/api/v1/templates/{id}/test-send', { to: 'marketing@example.be' }, 202);
      await t.api('post', '/api/v1/suppressions').send({ email: 'suppressed-marketing@example.be', reason: 'manual' });
      const suppressed = await call('post', `/api/v1/templates/${id}/test-send`, '/api/v1/templates/{id}/test-send', { to: 'suppressed-marketing@example.be' }, 202);
      expect(suppressed.body).toMatchObject({ status: 'suppressed', reason: 'manual' });
      // A version without the footer, as saves took it before they checked it: the test send is refused (422), naming the variant field.
      const footerless = { nl: { subject: 'Zonder footer', mjml: '<mjml><mj-body><mj-section><mj-column><mj-text>Hallo</mj-text></mj-column></mj-section></mj-body></mjml>' } };
      await t.db.query(
        `INSERT INTO template_versions (template_id, version, variants, compiled, default_locale, created_at, created_by) VALUES ($1, 3, $2::jsonb, '{}', 'nl', now(), 'old-install')`,
        [id, JSON.stringify(footerless)],
      );
      await t.db.query(`UPDATE templates SET current_version = 3 WHERE id = $1`, [id]);
      const refused = await call('post', `/api/v1/templates/${id}/test-send`, '/api/v1/templates/{id}/test-send', { to: 'marketing@example.be' }, 422);
      expect(refused.body).toMatchObject({ reason: 'template_without_footer', errors: [{ field: 'variants.nl.mjml' }] });
      const testSend = doc.doc.paths['/api/v1/templates/{id}/test-send'].post as { responses: Record<string, { description: string }> };
      expect(testSend.responses['422'].description).toContain('variants.<locale>.mjml');
      await call('post', '/api/v1/templates', '/api/v1/templates', { name: 'Broken', variants: { nl: { subject: 'x', mjml: '<mj-section>{{#if}}</mj-section>' } } }, 422);
      // Archived (204, no body); again, or an unknown id, 404. The refusal of a template in use is checked with programs below.
      await call('delete', `/api/v1/templates/${id}`, '/api/v1/templates/{id}', undefined, 204);
      await call('delete', `/api/v1/templates/${id}`, '/api/v1/templates/{id}', undefined, 404);
      const archive = doc.doc.paths['/api/v1/templates/{id}'].delete as { responses: Record<string, { description: string }> };
      expect(archive.responses['409'].description).toContain('template_in_use');
    });

    it('programs: drafts, versions, enrollments, stats with A/B variants, simulation', async () => {
      const template = await createTemplate(t);
      const definition = (name: string) => ({
        name,
        trigger: { type: 'manual' },
        sendWindow: { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '24:00' },
        steps: [
          { id: 'mail', type: 'email', templateId: template, variants: [{ subject: 'A {{fallback firstName "daar"}}', weight: 50 }, { subject: 'B', weight: 50 }], next: 'wait' },
          { id: 'wait', type: 'wait', duration: 'P3D', next: 'end' },
          { id: 'end', type: 'exit' },
        ],
      });
      const created = await call('post', '/api/v1/programs', '/api/v1/programs', definition('Main program'), 201);
      const id = created.body.id;
      await call('put', `/api/v1/programs/${id}`, '/api/v1/programs/{id}', definition('Main program, edited'), 200);
      await call('post', `/api/v1/programs/${id}/simulate`, '/api/v1/programs/{id}/simulate', { lead: { stage: 'lead', timezone: 'Europe/Brussels' } }, 200);
      await call('post', `/api/v1/programs/${id}/publish`, '/api/v1/programs/{id}/publish', undefined, 200);
      await call('get', '/api/v1/programs', '/api/v1/programs', undefined, 200);
      await call('get', `/api/v1/programs/${id}`, '/api/v1/programs/{id}', undefined, 200);
      const leads = await Promise.all(['p1', 'p2', 'p3', 'p4'].map((n) => upsertLead(t, `${n}@main-program.example.be`)));
      await call('post', `/api/v1/programs/${id}/enrollments`, '/api/v1/programs/{id}/enrollments', { leadId: leads[0] }, 201);
      await call('post', `/api/v1/programs/${id}/enrollments`, '/api/v1/programs/{id}/enrollments', { leadIds: leads }, 200);
      await call('post', `/api/v1/programs/${id}/enrollments`, '/api/v1/programs/{id}/enrollments', { leadId: leads[0] }, 409);
      await eventually(async () => {
        const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM email_messages m JOIN enrollments e ON e.id = m.enrollment_id WHERE e.program_id = $1 AND m.status = 'sent'`, [id]);
        return n === 4;
      }, 20_000);
      await call('get', `/api/v1/programs/${id}/enrollments`, '/api/v1/programs/{id}/enrollments', undefined, 200);
      const stats = await call('get', `/api/v1/programs/${id}/stats`, '/api/v1/programs/{id}/stats', undefined, 200);
      expect(stats.body.steps.find((s: { stepId: string }) => s.stepId === 'mail').variants).toHaveLength(2);
      const unenrollPath = '/api/v1/programs/{id}/enrollments/{leadId}';
      await call('delete', `/api/v1/programs/${id}/enrollments/${leads[1]}`, unenrollPath, undefined, 200);
      await call('delete', `/api/v1/programs/${id}/enrollments/${randomUUID()}`, unenrollPath, undefined, 404);
      await call('post', `/api/v1/programs/${id}/pause`, '/api/v1/programs/{id}/pause', undefined, 200);
      await call('post', `/api/v1/programs/${id}/resume`, '/api/v1/programs/{id}/resume', undefined, 200);
      const inUse = await call('delete', `/api/v1/templates/${template}`, '/api/v1/templates/{id}', undefined, 409);
      expect(inUse.body).toMatchObject({ reason: 'template_in_use', errors: [{ field: 'id', message: expect.stringContaining(id) }] });
      await call('post', `/api/v1/programs/${id}/archive`, '/api/v1/programs/{id}/archive', undefined, 200);
      await call('delete', `/api/v1/templates/${template}`, '/api/v1/templates/{id}', undefined, 204);
      await call('delete', `/api/v1/programs/${id}/enrollments/${leads[2]}`, unenrollPath, undefined, 409);
      await call('post', '/api/v1/programs', '/api/v1/programs', { name: 'No steps', trigger: { type: 'manual' }, steps: [] }, 422);
    });

    it('hand-offs: list, one with its snapshot, reassign, accept, reject, outcome', async () => {
      const first = await createRep(t, 'Main-rep-1');
      await createRep(t, 'Main-rep-2');
      const leads = await Promise.all(['h1', 'h2'].map((n) => upsertLead(t, `${n}@main-handoff.example.be`, { qualification: { need: 'site', budget: null } })));
      await sendEvents(t, leads.map((leadId) => ({ leadId, type: 'quote_requested' })));
      const handoffs = await eventually(async () => {
        const rows: { id: string }[] = await t.db.query(`SELECT id FROM handoffs WHERE lead_id = ANY($1::uuid[]) ORDER BY created_at`, [leads]);
        return rows.length === 2 ? rows.map((r) => r.id) : null;
      });
      await call('get', '/api/v1/handoffs?status=pending', '/api/v1/handoffs', undefined, 200);
      await call('get', `/api/v1/handoffs/${handoffs[0]}`, '/api/v1/handoffs/{id}', undefined, 200);
      await call('post', `/api/v1/handoffs/${handoffs[0]}/reassign`, '/api/v1/handoffs/{id}/reassign', { ownerId: first }, 200);
      await call('post', `/api/v1/handoffs/${handoffs[0]}/accept`, '/api/v1/handoffs/{id}/accept', { note: 'Bel morgen' }, 200);
      await call('post', `/api/v1/handoffs/${handoffs[0]}/outcome`, '/api/v1/handoffs/{id}/outcome', { outcome: 'won', value: 2500, currency: 'EUR' }, 200);
      await call('post', `/api/v1/handoffs/${handoffs[1]}/reject`, '/api/v1/handoffs/{id}/reject', { reason: 'no_budget' }, 200);
      await call('post', `/api/v1/handoffs/${handoffs[1]}/accept`, '/api/v1/handoffs/{id}/accept', {}, 409);
      await call('get', '/api/v1/handoffs', '/api/v1/handoffs', undefined, 200);
      // Accepted and won since: listed as accepted, with its outcome as the document describes it.
      const accepted = await call('get', '/api/v1/handoffs?status=accepted', '/api/v1/handoffs', undefined, 200);
      expect(accepted.body.items).toContainEqual(expect.objectContaining({ id: handoffs[0], status: 'won', outcome: 'won' }));
      // By outcome, several at once; a value it does not take is the documented 422.
      const byOutcome = await call('get', '/api/v1/handoffs?status=accepted&outcome=none,won', '/api/v1/handoffs', undefined, 200);
      expect(byOutcome.body.items).toContainEqual(expect.objectContaining({ id: handoffs[0], outcome: 'won' }));
      await call('get', '/api/v1/handoffs?outcome=closed', '/api/v1/handoffs', undefined, 422);
    });

    it('webhooks, funnel and API keys', async () => {
      const receiver = await WebhookReceiver.start();
      receivers.push(receiver);
      const hook = await call('post', '/api/v1/webhooks', '/api/v1/webhooks', { url: receiver.url(), events: ['lead.mql'], description: 'CRM' }, 201);
      await call('get', `/api/v1/webhooks/${hook.body.id}`, '/api/v1/webhooks/{id}', undefined, 200);
      await call('delete', `/api/v1/webhooks/${hook.body.id}`, '/api/v1/webhooks/{id}', undefined, 204);
      for (const groupBy of ['channel', 'program']) await call('get', `/api/v1/analytics/funnel?groupBy=${groupBy}`, '/api/v1/analytics/funnel', undefined, 200);
      const key = await call('post', '/api/v1/api-keys', '/api/v1/api-keys', { name: 'forms', role: 'ingest' }, 201);
      await call('get', '/api/v1/api-keys', '/api/v1/api-keys', undefined, 200);
      await call('delete', `/api/v1/api-keys/${key.body.id}`, '/api/v1/api-keys/{id}', undefined, 204);
      const refused = await t.api('get', '/api/v1/api-keys', key.body.key);
      doc.expect(refused, 'get', '/api/v1/api-keys');
      expect(refused.status).toBe(401);
    });
  });

  describe('suppressions, bounces and complaints', () => {
    it('lists, adds by hand (201, then 200 when already there) and filters the suppression list', async () => {
      await upsertLead(t, 'known-suppressed@example.be');
      const added = await call('post', '/api/v1/suppressions', '/api/v1/suppressions', { email: 'known-suppressed@example.be', reason: 'manual' }, 201);
      expect(added.body).toMatchObject({ email: 'known-suppressed@example.be', reason: 'manual', leadId: expect.any(String) });
      const stranger = await call('post', '/api/v1/suppressions', '/api/v1/suppressions', { email: 'stranger@example.be', reason: 'manual' }, 201);
      expect(stranger.body).toMatchObject({ email: null, leadId: null });
      await call('post', '/api/v1/suppressions', '/api/v1/suppressions', { email: 'stranger@example.be', reason: 'manual' }, 200);
      const list = await call('get', '/api/v1/suppressions?limit=1', '/api/v1/suppressions', undefined, 200);
      expect(list.body.nextCursor).toEqual(expect.any(String));
      await call('get', '/api/v1/suppressions?reason=manual&email=stranger@example.be', '/api/v1/suppressions', undefined, 200);
      await call('post', '/api/v1/suppressions', '/api/v1/suppressions', { email: 'not-an-address', reason: 'manual' }, 422);
    });

    it('lifts entries by address or by hash (200), refusing a complaint not named and an unknown entry', async () => {
      await upsertLead(t, 'lift-me@example.be');
      await call('post', '/api/v1/suppressions', '/api/v1/suppressions', { email: 'lift-me@example.be', reason: 'manual' }, 201);
      const byEmail = await call('delete', '/api/v1/suppressions?email=lift-me@example.be&note=typo', '/api/v1/suppressions', undefined, 200);
      expect(byEmail.body).toMatchObject({ reason: 'manual', note: 'typo', leadId: expect.any(String) });
      await call('delete', '/api/v1/suppressions?email=lift-me@example.be&note=again', '/api/v1/suppressions', undefined, 404);
      await call('delete', '/api/v1/suppressions?email=lift-me@example.be', '/api/v1/suppressions', undefined, 422);
      const complaint = await call('post', '/api/v1/email/bounces', '/api/v1/email/bounces', { email: 'lift-complaint@example.be', type: 'complaint' }, 201);
      expect(complaint.body.suppressed).toBe(true);
      const [{ emailHash }] = (await call('get', '/api/v1/suppressions?email=lift-complaint@example.be', '/api/v1/suppressions', undefined, 200)).body.items;
      await call('delete', `/api/v1/suppressions/${emailHash}?note=x`, '/api/v1/suppressions/{emailHash}', undefined, 409);
      await call('delete', `/api/v1/suppressions/${emailHash}?note=x&reason=complaint`, '/api/v1/suppressions/{emailHash}', undefined, 200);
      await call('delete', `/api/v1/suppressions/${emailHash}?note=x`, '/api/v1/suppressions/{emailHash}', undefined, 404);
      await call('delete', '/api/v1/suppressions/not-a-hash?note=x', '/api/v1/suppressions/{emailHash}', undefined, 422);
    });

    it('takes hard and soft bounces and complaints from the relay, by address or by message', async () => {
      const leadId = await upsertLead(t, 'bouncing@example.be');
      const hard = await call('post', '/api/v1/email/bounces', '/api/v1/email/bounces', { email: 'bouncing@example.be', type: 'hard', reason: '550 5.1.1' }, 201);
      expect(hard.body).toMatchObject({ type: 'hard', leadId, messageId: null, suppressed: true });
      const soft = await call('post', '/api/v1/email/bounces', '/api/v1/email/bounces', { email: 'nobody-known@example.be', type: 'soft' }, 201);
      expect(soft.body).toMatchObject({ leadId: null, suppressed: false });
      const complainer = await upsertLead(t, 'complainer@example.be');
      const messageId = await sentMessage(complainer);
      const complaint = await call('post', '/api/v1/email/bounces', '/api/v1/email/bounces', { messageId, type: 'complaint' }, 201);
      expect(complaint.body).toMatchObject({ type: 'complaint', messageId, leadId: complainer, suppressed: true });
      await call('post', '/api/v1/email/bounces', '/api/v1/email/bounces', { messageId: randomUUID(), type: 'hard' }, 404);
      await call('post', '/api/v1/email/bounces', '/api/v1/email/bounces', { type: 'hard' }, 422);
    });

    it('opts out the recipient named by the token of an unsubscribe email passed on by the relay', async () => {
      const messageId = await sentMessage(await upsertLead(t, 'mailto-unsubscribe@example.be'));
      const res = await call('post', '/api/v1/email/unsubscribes', '/api/v1/email/unsubscribes', { subject: `Re: unsubscribe:${unsubscribeToken(messageId)}` }, 200);
      expect(res.body).toEqual({ unsubscribed: true, messageId, email: 'mailto-unsubscribe@example.be' });
      await call('post', '/api/v1/email/unsubscribes', '/api/v1/email/unsubscribes', { subject: 'hello' }, 422);
    });
  });

  describe('the public unsubscribe page', () => {
    const page = async (method: 'get' | 'post', token: string, form?: Record<string, string>): Promise<Response> => {
      const req = t.http()[method](`/u/${token}`);
      const res = form ? await req.type('form').send(form) : await req;
      doc.expect(res, method, '/u/{token}');
      return res;
    };

    it('shows the confirm page, unsubscribes on the one-click POST and the form, and answers a bad token with a page too', async () => {
      const token = unsubscribeToken(await sentMessage(await upsertLead(t, 'page-unsubscribe@example.be')));
      expect((await page('get', token)).status).toBe(200);
      expect((await page('post', token, { 'List-Unsubscribe': 'One-Click' })).status).toBe(200);
      expect((await page('post', token, { confirm: 'yes' })).status).toBe(200);
      expect((await page('get', 'nonsense')).status).toBe(404);
      expect((await page('post', 'nonsense', { 'List-Unsubscribe': 'One-Click' })).status).toBe(404);
    });
  });

  describe('email delivery records', () => {
    it('shows message counts, one message, and releases a held one', async () => {
      const leadId = await upsertLead(t, 'held@example.be');
      const held = await sentMessage(leadId, 'held');
      const stats = await call('get', '/api/v1/email/stats', '/api/v1/email/stats', undefined, 200);
      expect(stats.body.heldAfterCrash).toBeGreaterThanOrEqual(1);
      const message = await call('get', `/api/v1/email/messages/${held}`, '/api/v1/email/messages/{id}', undefined, 200);
      expect(message.body).toMatchObject({ id: held, status: 'held', statusReason: HELD_REASON, leadId });
      const listed = await call('get', `/api/v1/email/messages?status=held&leadId=${leadId}`, '/api/v1/email/messages', undefined, 200);
      expect(listed.body.items).toEqual([message.body]);
      await call('post', `/api/v1/email/messages/${held}/release`, '/api/v1/email/messages/{id}/release', undefined, 202);
      await call('post', `/api/v1/email/messages/${await sentMessage(leadId)}/release`, '/api/v1/email/messages/{id}/release', undefined, 409);
      await call('get', `/api/v1/email/messages/${randomUUID()}`, '/api/v1/email/messages/{id}', undefined, 404);
    });
  });

  describe('sales reps', () => {
    it('adds, lists, reads and changes a rep', async () => {
      const created = await call('post', '/api/v1/sales-reps', '/api/v1/sales-reps', { name: 'Ines', email: 'ines@sales.example.be', locales: ['nl', 'fr-BE'], regions: ['BE', 'lu'], weight: 2 }, 201);
      const id = created.body.id;
      expect(created.body.regions).toEqual(['BE', 'LU']);
      await call('get', '/api/v1/sales-reps', '/api/v1/sales-reps', undefined, 200);
      await call('get', `/api/v1/sales-reps/${id}`, '/api/v1/sales-reps/{id}', undefined, 200);
      const changed = await call('patch', `/api/v1/sales-reps/${id}`, '/api/v1/sales-reps/{id}', { active: false }, 200);
      expect(changed.body).toMatchObject({ id, active: false, assigned: 0 });
      await call('post', '/api/v1/sales-reps', '/api/v1/sales-reps', { name: 'Ines again', email: 'ines@sales.example.be' }, 409);
    });
  });

  describe('webhook endpoints and their deliveries', () => {
    it('lists and changes subscriptions; shows the delivery log, one delivery with its attempts, and replays it', async () => {
      const receiver = await WebhookReceiver.start();
      receivers.push(receiver);
      const hook = (await call('post', '/api/v1/webhooks', '/api/v1/webhooks', { url: receiver.url(), events: ['lead.created'] }, 201)).body;
      expect(hook).toMatchObject({ description: null, secret: expect.any(String) });
      await call('get', '/api/v1/webhooks', '/api/v1/webhooks', undefined, 200);
      const changed = await call('patch', `/api/v1/webhooks/${hook.id}`, '/api/v1/webhooks/{id}', { description: 'Pipedrive intake' }, 200);
      expect(changed.body).toMatchObject({ id: hook.id, description: 'Pipedrive intake' });
      expect(changed.body).not.toHaveProperty('secret');
      await upsertLead(t, 'webhook-delivery@example.be');
      await eventually(async () => receiver.accepted().length > 0);
      const log = await call('get', `/api/v1/webhooks/${hook.id}/deliveries`, '/api/v1/webhooks/{id}/deliveries', undefined, 200);
      const deliveryId = log.body.items[0].id;
      const one = await eventually(async () => {
        const res = await t.api('get', `/api/v1/webhooks/${hook.id}/deliveries/${deliveryId}`);
        return res.body.status === 'delivered' ? res : null;
      });
      doc.expect(one, 'get', '/api/v1/webhooks/{id}/deliveries/{deliveryId}');
      expect(one.body.attemptLog).toEqual([expect.objectContaining({ attempt: 1, responseStatus: 200 })]);
      const replay = await call('post', `/api/v1/webhooks/${hook.id}/deliveries/${deliveryId}/retry`, '/api/v1/webhooks/{id}/deliveries/{deliveryId}/retry', undefined, 202);
      expect(replay.body).toMatchObject({ messageId: deliveryId, replayOf: deliveryId, status: 'pending' });
      await call('get', `/api/v1/webhooks/${hook.id}/deliveries?status=abandoned`, '/api/v1/webhooks/{id}/deliveries', undefined, 200);
      await call('get', `/api/v1/webhooks/${hook.id}/deliveries/${randomUUID()}`, '/api/v1/webhooks/{id}/deliveries/{deliveryId}', undefined, 404);
    });
  });

  describe('the scoring model', () => {
    it('reads and publishes the scoring model', async () => {
      const current = await call('get', '/api/v1/scoring-model', '/api/v1/scoring-model', undefined, 200);
      await call('get', `/api/v1/scoring-model/versions/${current.body.version}`, '/api/v1/scoring-model/versions/{version}', undefined, 200);
      const published = await call('put', '/api/v1/scoring-model', '/api/v1/scoring-model', current.body, 200);
      expect(published.body.version).toBe(current.body.version + 1);
      await call('get', '/api/v1/scoring-model/versions/99999', '/api/v1/scoring-model/versions/{version}', undefined, 404);
      await call('put', '/api/v1/scoring-model', '/api/v1/scoring-model', { ...current.body.definition, halfLifeDays: 0 }, 422);
    });
  });

  describe('starter programs', () => {
    it('installs the starter programs', async () => {
      const res = await call('post', '/api/v1/programs/starters', '/api/v1/programs/starters', {}, 200);
      expect(res.body.programs.length).toBeGreaterThan(0);
    });
  });

  describe('template versions', () => {
    it('reads one version of a template', async () => {
      const id = await createTemplate(t);
      await call('get', `/api/v1/templates/${id}/versions/1`, '/api/v1/templates/{id}/versions/{version}', undefined, 200);
      await call('get', `/api/v1/templates/${id}/versions/2`, '/api/v1/templates/{id}/versions/{version}', undefined, 404);
    });
  });

  describe('the GDPR export', () => {
    it('exports everything stored about a lead', async () => {
      await createRep(t, 'Exporter');
      const leadId = await upsertLead(t, 'export-me@example.be', { firstName: 'Eva', qualification: { need: 'site', timeline: 'q1', budget: '10k', authority: 'owner' } });
      await sendEvents(t, [{ leadId, type: 'quote_requested', properties: { page: '/offerte' } }]);
      await eventually(async () => (await t.db.query(`SELECT 1 FROM handoffs WHERE lead_id = $1`, [leadId])).length > 0);
      const [handoff] = await t.db.query(`SELECT id FROM handoffs WHERE lead_id = $1`, [leadId]);
      await t.api('post', `/api/v1/handoffs/${handoff.id}/accept`).send({}).expect(200);
      await t.api('post', `/api/v1/handoffs/${handoff.id}/outcome`).send({ outcome: 'won', value: 1200, currency: 'EUR' }).expect(200);
      // The lead is a customer now: a goal it has not reached yet (a customer meets the default, MQL, and is not enrolled).
      const programId = await createProgram(t, {
        name: 'Export nurture',
        trigger: { type: 'manual' },
        goal: { anyOf: [{ event: 'meeting_booked' }] },
        steps: [{ id: 'pause', type: 'wait', duration: 'P30D', next: 'end' }, { id: 'end', type: 'exit' }],
      });
      await enroll(t, programId, leadId);
      const messageId = await sentMessage(leadId);
      await t.http().get(`/t/o/${signToken(t.config.trackingSecret, { k: 'o', m: messageId })}`).set('user-agent', 'Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 (KHTML, like Gecko)').expect(200);
      await eventually(async () => (await t.db.query(`SELECT 1 FROM email_interactions WHERE message_id = $1`, [messageId])).length > 0);
      await t.http().get(`/u/${unsubscribeToken(messageId)}`);
      await t.http().post(`/u/${unsubscribeToken(messageId)}`).type('form').send({ 'List-Unsubscribe': 'One-Click' });
      const res = await call('get', `/api/v1/leads/${leadId}/export`, '/api/v1/leads/{id}/export', undefined, 200);
      expect(res.body).toMatchObject({ handoffs: [{ status: 'won', value: 1200, currency: 'EUR' }], enrollments: [{ programId }], emails: [{ id: messageId, interactions: [{ kind: 'open' }] }] });
      expect(res.body.suppressions).toHaveLength(1);
    });
  });

  describe('health and metrics', () => {
    it('reports health and metrics', async () => {
      const health = await t.http().get('/health');
      doc.expect(health, 'get', '/health');
      const metrics = await t.http().get('/metrics');
      expect(metrics.status).toBe(200);
      doc.expect(metrics, 'get', '/metrics');
    });
  });
});
