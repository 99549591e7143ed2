import { createHash } from 'node:crypto';
import { NurtureMailer } from '../src/email/nurture-mailer.js';
import { emailHash, emailHashSql } from '../src/suppression/email-hash.js';
import { signToken } from '../src/tracking/domain/tracking-token.js';
import { eventually, startTestApp, TestApp } from './support/test-app.js';

const BROWSER = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

describe('privacy: export and erasure', () => {
  let t: TestApp;
  const email = 'Griet.Janssens@Voorbeeld.be';
  const name = 'Griet';
  const family = 'Janssens-Uniek';

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
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
    expect(exported.body.lead).toMatchObject({ id, email, firstName: name });
    expect(exported.body.consents[0]).toMatchObject({ status: 'granted', basis: 'consent', text: `Ja ${name}, stuur mij tips` });
    expect(exported.body.events.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['content_downloaded', 'quote_requested']));
    expect(exported.body.scoreLedger.length).toBeGreaterThan(0);
    expect(exported.body.stageChanges.map((c: { to: string }) => c.to)).toContain('mql');
    expect(exported.body.emails[0]).toMatchObject({ to: email, status: 'sent' });
    expect(exported.body.emails[0].interactions[0]).toMatchObject({ kind: 'open', userAgent: 'Mozilla/5.0 (Griet)' });
    expect(await tablesMentioning(family)).not.toEqual([]);

    // The personalised link redirects, and the API keeps its target in memory from now on.
    const click = `/t/c/${signToken(t.config.trackingSecret, { k: 'c', m: messageIds.get(id)!, l: 0 })}`;
    const before = await t.http().get(click).set('user-agent', BROWSER);
    expect(before.status).toBe(302);
    expect(before.headers.location).toBe(`https://example.be/tips?naam=${name}`);

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
    expect(row).toEqual({ stage: 'mql', channel: 'meta', events: 2 });
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
});
