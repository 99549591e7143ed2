import { createHash, randomUUID } from 'node:crypto';
import { NurtureMailer } from '../src/email/nurture-mailer.js';
import { emailHash, emailHashSql } from '../src/suppression/email-hash.js';
import { signToken } from '../src/tracking/domain/tracking-token.js';
import { eventually, startTestApp, TestApp } from './support/test-app.js';
import { WebhookReceiver } from './webhooks-receiver.js';
import { OpenApiAnswers } from './support/openapi-answers.js';

const BROWSER = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

describe('privacy: export and erasure', () => {
  let t: TestApp;
  const email = 'Griet.Janssens@Voorbeeld.be';
  const name = 'Griet';
  const family = 'Janssens-Uniek';

  let receiver: WebhookReceiver;

  beforeAll(async () => {
    t = await startTestApp({ env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', OUTBOX_RELAY_MS: '30' } });
    receiver = await WebhookReceiver.start();
    // the CRM hears of every hand-off, with the lead's picture
    const hook = await t.api('post', '/api/v1/webhooks').send({ url: receiver.url(), events: ['handoff.created'], description: 'CRM' });
    expect(hook.status).toBe(201);
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  async function seedLead(): Promise<string> {
    const lead = await t.api('post', '/api/v1/leads').send({
      email,
      firstName: name,
      lastName: family,
      company: 'Janssens BV',
      phone: '+32 470 12 34 56',
      source: { channel: 'meta', campaign: 'lente' },
      consent: { status: 'granted', basis: 'consent', text: `Ja ${name}, stuur mij tips`, source: 'form:contact' },
      qualification: { need: 'webshop', budget: '10k' },
      attributes: { industry: 'retail', note: `${name} ${family} belde` },
    });
    expect(lead.status).toBe(201);
    const id = lead.body.id as string;
    await t.api('post', '/api/v1/events').send({
      events: [
        { leadId: id, type: 'content_downloaded', properties: { form: { name: `${name} ${family}`, email } }, idempotencyKey: `dl-${email}` },
        { leadId: id, type: 'quote_requested', properties: { message: `Offerte voor ${family}` } },
      ],
    });
    await eventually(async () => (await t.api('get', `/api/v1/leads/${id}`)).body.stage === 'mql');
    await eventually(async () => (await t.db.query(`SELECT 1 FROM webhook_deliveries WHERE status = 'delivered'`)).length > 0);
    // an email that was sent to the lead, with an open recorded
    const template = await t.api('post', '/api/v1/templates').send({
      name: 'privacy',
      variants: { nl: { subject: 'Hallo {{fallback firstName "daar"}}', mjml: '<mj-section><mj-column><mj-text>Dag {{firstName}}, <a href="https://example.be/tips?naam={{firstName}}">tips</a></mj-text></mj-column></mj-section>' } },
    });
    expect(template.status).toBe(201);
    const mailer = t.app.get(NurtureMailer);
    const outcome = await t.db.transaction((m) => mailer.enqueue(m, { idempotencyKey: `privacy-${id}`, leadId: id, templateId: template.body.id }));
    expect(outcome.status).toBe('queued');
    await mailer.dispatch([outcome.messageId]);
    await eventually(async () => (await t.db.query(`SELECT status FROM email_messages WHERE id = $1`, [outcome.messageId]))[0].status === 'sent');
    await t.db.query(
      `INSERT INTO email_interactions (message_id, lead_id, kind, machine, reason, user_agent, ip, occurred_at)
       VALUES ($1, $2, 'open', false, 'human', 'Mozilla/5.0 (Griet)', '203.0.113.9', now())`,
      [outcome.messageId, id],
    );
    messageIds.set(id, outcome.messageId);
    return id;
  }
  const messageIds = new Map<string, string>();

  /** Every row of every table, as text, that mentions the needle. */
  async function tablesMentioning(needle: string): Promise<string[]> {
    const tables: { table_name: string }[] = await t.db.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
    );
    const hits: string[] = [];
    for (const { table_name } of tables) {
      const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM "${table_name}" t WHERE t::text ILIKE '%' || $1 || '%'`, [needle]);
      if (n > 0) hits.push(`${table_name} (${n})`);
    }
    return hits;
  }

  it('exports everything stored about the lead, then erases it everywhere, keeping only anonymous aggregates', async () => {
    const id = await seedLead();

    const exported = await t.api('get', `/api/v1/leads/${id}/export`);
    expect(exported.status).toBe(200);
    (await OpenApiAnswers.load(t)).expect(exported, 'get', '/api/v1/leads/{id}/export'); // as the API document describes it
    expect(exported.body.lead).toMatchObject({ id, email, firstName: name });
    expect(exported.body.consents[0]).toMatchObject({ status: 'granted', basis: 'consent', text: `Ja ${name}, stuur mij tips` });
    expect(exported.body.events.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['content_downloaded', 'quote_requested']));
    expect(exported.body.scoreLedger.length).toBeGreaterThan(0);
    expect(exported.body.stageChanges.map((c: { to: string }) => c.to)).toContain('mql');
    expect(exported.body.emails[0]).toMatchObject({ to: email, status: 'sent' });
    expect(exported.body.emails[0].interactions[0]).toMatchObject({ kind: 'open', userAgent: 'Mozilla/5.0 (Griet)' });
    // what was shared about the lead: the hand-off's picture for sales, and the webhook that carried it to the CRM
    expect(exported.body.handoffs).toEqual([
      expect.objectContaining({ reason: 'high_intent_event', sharedWithSales: expect.objectContaining({ lead: expect.objectContaining({ lastName: family }) }) }),
    ]);
    expect(exported.body.webhookDeliveries).toEqual([
      expect.objectContaining({
        eventType: 'handoff.created',
        recipientUrl: receiver.url(),
        recipient: 'CRM',
        status: 'delivered',
        body: receiver.accepted('handoff.created')[0].body,
      }),
    ]);
    expect(await tablesMentioning(family)).not.toEqual([]);

    // The personalised link redirects, and the API keeps its target in memory from now on.
    const click = `/t/c/${signToken(t.config.trackingSecret, { k: 'c', m: messageIds.get(id)!, l: 0 })}`;
    const before = await t.http().get(click).set('user-agent', BROWSER);
    expect(before.status).toBe(302);
    expect(before.headers.location).toBe(`https://example.be/tips?naam=${name}`);
    // The click is stored (and, judged a person's, becomes an event) before the erasure, as it would be in practice;
    // otherwise it is stored either side of the erasure depending on the machine's load, and the count below varies.
    await eventually(async () => (await t.db.query(`SELECT 1 FROM email_interactions WHERE message_id = $1 AND kind = 'click'`, [messageIds.get(id)])).length > 0);
    const [{ events }] = await t.db.query(`SELECT count(*)::int AS events FROM events WHERE lead_id = $1`, [id]);

    const erased = await t.api('delete', `/api/v1/leads/${id}`);
    expect(erased.status).toBe(204);
    expect((await t.api('delete', `/api/v1/leads/${id}`)).status).toBe(204); // idempotent

    // Its links were blanked, and the API forgot what it held: no redirect to a link with the name in it.
    await eventually(async () => (await t.http().get(click).set('user-agent', BROWSER)).status === 404);

    expect(await tablesMentioning(email.toLowerCase())).toEqual([]);
    expect(await tablesMentioning(family)).toEqual([]);
    expect(await tablesMentioning('470 12 34 56')).toEqual([]);
    expect(await tablesMentioning('203.0.113.9')).toEqual([]);

    // aggregates survive: the lead still counts as an MQL from Meta, its events and points are still there
    const [row] = await t.db.query(`SELECT stage, channel, (SELECT count(*)::int FROM events WHERE lead_id = $1) AS events FROM leads WHERE id = $1`, [id]);
    expect(row).toEqual({ stage: 'mql', channel: 'meta', events });
    expect(events).toBeGreaterThanOrEqual(2);
    const audit = await t.db.query(`SELECT action, actor FROM audit_log WHERE subject_id = $1`, [id]);
    expect(audit).toHaveLength(1);
    expect(audit[0].action).toBe('lead.erased');
  });

  it('never mails the address again, even when it comes back as a new lead', async () => {
    const again = await t.api('post', '/api/v1/events').send({ email: email.toUpperCase(), type: 'page_viewed' });
    const leadId = again.body.items[0].leadId;
    const template = await t.api('post', '/api/v1/templates').send({
      name: 'after-erasure',
      variants: { nl: { subject: 'Nog eens', mjml: '<mj-section><mj-column><mj-text>Hallo</mj-text></mj-column></mj-section>' } },
    });
    const mailer = t.app.get(NurtureMailer);
    const outcome = await t.db.transaction((m) => mailer.enqueue(m, { idempotencyKey: `after-${leadId}`, leadId, templateId: template.body.id }));
    expect(outcome.status).toBe('suppressed');
  });

  it('keeps only a salted hash of the erased address: per install, the same in the service and in SQL', async () => {
    const [{ salt }] = await t.db.query(`SELECT salt FROM suppression_hash_salt`);
    expect(salt).toMatch(/^[0-9a-f]{64}$/);
    const unsalted = createHash('sha256').update(email.toLowerCase()).digest('hex');
    const expected = createHash('sha256').update(salt + unsalted).digest('hex');
    expect(emailHash(email)).toBe(expected);
    const [row] = await t.db.query(`SELECT ${emailHashSql('$1::text')} AS sql_hash, (SELECT reason FROM suppressions WHERE email_hash = $2) AS reason`, [email, expected]);
    expect(row).toEqual({ sql_hash: expected, reason: 'erased' });
    expect(await t.db.query(`SELECT 1 FROM suppressions WHERE email_hash = $1`, [unsalted])).toEqual([]);
    // the salted key can still be looked up through the primary key index (the table is too small here for the planner to prefer it)
    const plan = await t.db.transaction(async (m) => {
      await m.query(`SET LOCAL enable_seqscan = off`);
      const rows: { 'QUERY PLAN': string }[] = await m.query(`EXPLAIN SELECT reason FROM suppressions WHERE email_hash = ${emailHashSql('$1::text')}`, [email]);
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    expect(plan).toMatch(/Index (Only )?Scan using suppressions_pkey/);
  });

  it('answers 404 for a lead that never existed', async () => {
    expect((await t.api('delete', '/api/v1/leads/00000000-0000-4000-8000-000000000001')).status).toBe(404);
    expect((await t.api('get', '/api/v1/leads/00000000-0000-4000-8000-000000000001/export')).status).toBe(404);
  });
});

describe('erasure keeps the program statistics', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('counts the erased lead’s send, human open, click and unsubscribe in its step as before', async () => {
    const templateId = randomUUID();
    const definition = {
      trigger: { type: 'manual' },
      steps: [
        { id: 'welcome', type: 'email', templateId, next: 'end' },
        { id: 'end', type: 'exit' },
      ],
    };
    const [program] = await t.db.query(
      `INSERT INTO programs (name, status, draft, current_version, created_at, updated_at) VALUES ('Welkom', 'active', $1, 1, now(), now()) RETURNING id`,
      [definition],
    );
    await t.db.query(`INSERT INTO program_versions (program_id, version, definition, published_at, published_by) VALUES ($1, 1, $2, now(), 'test')`, [
      program.id,
      definition,
    ]);
    const leads: { id: string; message: string }[] = [];
    for (const email of ['Stats.Een@Voorbeeld.be', 'stats.twee@voorbeeld.be']) {
      const lead = await t.api('post', '/api/v1/leads').send({ email, consent: { status: 'granted', basis: 'consent', text: 'Ja', source: 'form' } });
      const [enrollment] = await t.db.query(
        `INSERT INTO enrollments (program_id, program_version, lead_id, status, via, current_step_id, visits, enrolled_at, updated_at)
         VALUES ($1, 1, $2, 'active', 'manual', 'end', '{}', now(), now()) RETURNING id`,
        [program.id, lead.body.id],
      );
      const [message] = await t.db.query(
        `INSERT INTO email_messages (idempotency_key, kind, lead_id, to_address, template_id, step_id, enrollment_id, status, sent_at)
         VALUES ($1, 'nurture', $2, $3, $4, 'welcome', $5, 'sent', now()) RETURNING id`,
        [randomUUID(), lead.body.id, email, templateId, enrollment.id],
      );
      leads.push({ id: lead.body.id, message: message.id });
    }
    const interaction = (i: number, kind: string, machine: boolean) =>
      t.db.query(
        `INSERT INTO email_interactions (message_id, lead_id, kind, machine, reason, user_agent, ip, occurred_at) VALUES ($1, $2, $3, $4, 'test', 'Mozilla/5.0', '198.51.100.7', now())`,
        [leads[i].message, leads[i].id, kind, machine],
      );
    await interaction(0, 'open', false);
    await interaction(0, 'open', true);
    await interaction(0, 'click', false);
    await interaction(1, 'open', true); // Apple Mail Privacy Protection: not a person
    await t.http().post(`/u/${signToken(t.config.trackingSecret, { k: 'u', m: leads[0].message })}`).type('form').send('List-Unsubscribe=One-Click').expect(200);

    const welcome = async () => {
      const res = await t.api('get', `/api/v1/programs/${program.id}/stats`);
      expect(res.status).toBe(200);
      const { sent, delivered, humanOpens, clicks, unsubscribes } = res.body.steps.find((s: { stepId: string }) => s.stepId === 'welcome');
      return { sent, delivered, humanOpens, clicks, unsubscribes };
    };
    const expected = { sent: 2, delivered: 2, humanOpens: 1, clicks: 1, unsubscribes: 1 };
    expect(await welcome()).toEqual(expected);

    expect((await t.api('delete', `/api/v1/leads/${leads[0].id}`)).status).toBe(204);
    expect(await welcome()).toEqual(expected);
    // what is kept of the unsubscribe event are the ids the statistics need, nothing about the person
    const [event] = await t.db.query(`SELECT properties FROM events WHERE lead_id = $1 AND type = 'unsubscribed'`, [leads[0].id]);
    expect(Object.keys(event.properties).sort()).toEqual(['enrollmentId', 'messageId', 'stepId']);
  });
});

describe('retention', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { EVENT_RETENTION_MONTHS: '12' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('anonymises events older than the retention period and keeps their type, time and points', async () => {
    const { RetentionService } = await import('../src/privacy/retention.service.js');
    const lead = await t.api('post', '/api/v1/leads').send({ email: 'old@example.be' });
    await t.db.query(
      `INSERT INTO events (lead_id, type, occurred_at, properties) VALUES
         ($1, 'page_viewed', now() - interval '400 days', '{"url":"https://example.be/?email=old@example.be"}'),
         ($1, 'page_viewed', now() - interval '10 days', '{"url":"https://example.be/pricing"}')`,
      [lead.body.id],
    );
    const result = await t.app.get(RetentionService).run(new Date());
    expect(result).toEqual({ events: 1, interactions: 0 });
    const rows = await t.db.query(`SELECT type, properties FROM events WHERE lead_id = $1 ORDER BY occurred_at`, [lead.body.id]);
    expect(rows).toEqual([
      { type: 'page_viewed', properties: {} },
      { type: 'page_viewed', properties: { url: 'https://example.be/pricing' } },
    ]);
    expect(await t.app.get(RetentionService).run(new Date())).toEqual({ events: 0, interactions: 0 });
  });

  it('keeps of an old unsubscribe only the email and program step it came from, and is done with it after one run', async () => {
    const { RetentionService } = await import('../src/privacy/retention.service.js');
    const lead = await t.api('post', '/api/v1/leads').send({ email: 'oud-uit@example.be' });
    const enrollmentId = randomUUID();
    const [message] = await t.db.query(
      `INSERT INTO email_messages (idempotency_key, kind, lead_id, to_address, template_id, step_id, enrollment_id, status, sent_at)
       VALUES ($1, 'nurture', $2, 'oud-uit@example.be', $3, 'welcome', $4, 'sent', now() - interval '401 days') RETURNING id`,
      [randomUUID(), lead.body.id, randomUUID(), enrollmentId],
    );
    await t.db.query(
      `INSERT INTO events (lead_id, type, occurred_at, properties) VALUES ($1, 'unsubscribed', now() - interval '400 days', $2)`,
      [lead.body.id, { messageId: message.id, stepId: 'welcome', enrollmentId, via: 'list-unsubscribe', note: 'oud-uit@example.be' }],
    );
    expect(await t.app.get(RetentionService).run(new Date())).toEqual({ events: 1, interactions: 0 });
    const [event] = await t.db.query(`SELECT properties FROM events WHERE lead_id = $1`, [lead.body.id]);
    expect(event.properties).toEqual({ messageId: message.id, enrollmentId, stepId: 'welcome' });
    expect(await t.app.get(RetentionService).run(new Date())).toEqual({ events: 0, interactions: 0 });
  });
});
