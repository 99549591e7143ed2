import { EmailDeliveryRepository } from '../src/email/email-delivery.repository.js';
import { NurtureMailer } from '../src/email/nurture-mailer.js';
import { MailTransport } from '../src/email/transport/mail-transport.js';
import { emailHash } from '../src/suppression/email-hash.js';
import { createProgram, createTemplate } from './programs-helpers.js';
import { GRANTED } from './support/email-fixtures.js';
import { eventually, startTestApp, type TestApp } from './support/test-app.js';

/** After DELETE /api/v1/leads/{id} (GDPR erasure) the lead's row stays, anonymous: nothing may write personal data to it again. */
describe('an erased lead takes no new data', () => {
  let t: TestApp;
  let leadId: string;
  const email = 'Wis.Mij@Voorbeeld.be';
  let placeholder: string;
  let programId: string;
  let queuedMessage: string;

  beforeAll(async () => {
    t = await startTestApp();
    const lead = await t.api('post', '/api/v1/leads').send({ email, firstName: 'Wis', consent: GRANTED });
    expect(lead.status).toBe(201);
    leadId = lead.body.id;
    placeholder = `erased-${leadId}@erased.invalid`;
    programId = await createProgram(t, {
      name: 'Wacht',
      trigger: { type: 'manual' },
      steps: [
        { id: 'w', type: 'wait', duration: 'P1D', next: 'e' },
        { id: 'e', type: 'exit' },
      ],
    });
    expect((await t.api('post', `/api/v1/programs/${programId}/enrollments`).send({ leadId })).status).toBe(201);
    const templateId = await createTemplate(t, 'erased');
    const mailer = t.app.get(NurtureMailer);
    const outcome = await t.db.transaction((m) => mailer.enqueue(m, { idempotencyKey: `erased-${leadId}`, leadId, templateId }));
    expect(outcome.status).toBe('queued');
    queuedMessage = outcome.messageId!;
    expect((await t.api('delete', `/api/v1/leads/${leadId}`)).status).toBe(204);
  });
  afterAll(async () => {
    await t?.close();
  });

  const eventCount = async () => (await t.db.query(`SELECT count(*)::int AS n FROM events WHERE lead_id = $1`, [leadId]))[0].n as number;
  const leadRow = async () => (await t.db.query(`SELECT first_name, engagement_score, email FROM leads WHERE id = $1`, [leadId]))[0];

  it('refuses a single event by lead id with 410, naming leadId, and stores nothing', async () => {
    const before = await eventCount();
    const res = await t.api('post', '/api/v1/events').send({ leadId, type: 'quote_requested', properties: { name: 'Wis Mij' } });
    expect(res.status).toBe(410);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.errors[0].field).toBe('leadId');
    expect(await eventCount()).toBe(before);
    expect((await leadRow()).engagement_score).toBe(0);
  });

  it('rejects its events per item in a batch (by id or by its placeholder address), storing the others', async () => {
    const other = await t.api('post', '/api/v1/leads').send({ email: 'blijf@voorbeeld.be' });
    const before = await eventCount();
    const res = await t.api('post', '/api/v1/events').send({
      events: [
        { leadId, type: 'page_viewed', properties: { url: 'https://voorbeeld.be/wis' } },
        { leadId: other.body.id, type: 'page_viewed' },
        { email: placeholder, type: 'page_viewed' },
      ],
    });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ accepted: 1, rejected: 2 });
    expect(res.body.items[0]).toMatchObject({ status: 'rejected', errors: [{ field: 'leadId' }] });
    expect(res.body.items[2]).toMatchObject({ status: 'rejected', errors: [{ field: 'email' }] });
    expect(await eventCount()).toBe(before);
    // With a new lead in the batch (the lead-creating path): the same refusals.
    const mixed = await t.api('post', '/api/v1/events').send({
      events: [
        { leadId, type: 'page_viewed' },
        { email: 'nieuw-in-batch@voorbeeld.be', type: 'page_viewed' },
        { email: placeholder, type: 'page_viewed' },
      ],
    });
    expect(mixed.body).toMatchObject({ accepted: 1, rejected: 2 });
    expect(mixed.body.items[0]).toMatchObject({ status: 'rejected', errors: [{ field: 'leadId' }] });
    expect(mixed.body.items[2]).toMatchObject({ status: 'rejected', errors: [{ field: 'email' }] });
    expect(await eventCount()).toBe(before);
  });

  it('refuses an upsert addressed at the erased row (its placeholder address) with 410, storing nothing', async () => {
    const res = await t.api('post', '/api/v1/leads').send({ email: placeholder, firstName: 'Terug', consent: GRANTED });
    expect(res.status).toBe(410);
    expect(res.body.errors[0].field).toBe('email');
    expect((await leadRow()).first_name).toBeNull();
    expect((await t.db.query(`SELECT count(*)::int AS n FROM consents WHERE lead_id = $1 AND status = 'granted' AND recorded_at > now() - interval '1 minute' AND text IS NOT NULL`, [leadId]))[0].n).toBe(0);
  });

  it('takes the person back as a new lead when they give their real address again', async () => {
    const res = await t.api('post', '/api/v1/leads').send({ email, firstName: 'Wis' });
    expect(res.status).toBe(201);
    expect(res.body.id).not.toBe(leadId);
  });

  it('refuses to enroll it by id (410) and skips it in a segment enrollment', async () => {
    const one = await t.api('post', `/api/v1/programs/${programId}/enrollments`).send({ leadId });
    expect(one.status).toBe(410);
    expect(one.body.errors[0].field).toBe('leadId');
    const segment = await t.api('post', `/api/v1/programs/${programId}/enrollments`).send({
      segment: { where: { field: 'email', op: 'endsWith', value: '@erased.invalid' } },
    });
    expect(segment.body).toMatchObject({ enrolled: 0 });
    const rows = await t.db.query(`SELECT status, exit_reason FROM enrollments WHERE lead_id = $1`, [leadId]);
    expect(rows).toEqual([{ status: 'exited', exit_reason: 'erased' }]);
  });

  it('stopped its scheduled work: the enrollment exited and a queued email is never sent', async () => {
    await t.app.get(NurtureMailer).dispatch([queuedMessage]);
    const status = await eventually(async () => {
      const [row] = await t.db.query(`SELECT status FROM email_messages WHERE id = $1`, [queuedMessage]);
      return row.status === 'queued' || row.status === 'sending' ? null : row.status;
    });
    expect(status).toBe('suppressed');
  });
});

/** A delivery reads the message and its lead, renders, waits for the send rate, then claims: the lead may be erased in between. */
describe('a message rendered before the erasure and claimed after it', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('is not sent, and the claim does not write the rendered address, subject or links back', async () => {
    const email = 'Tussen.Door@Voorbeeld.be';
    const lead = await t.api('post', '/api/v1/leads').send({ email, firstName: 'Tussendoor', consent: GRANTED });
    const templateId = await createTemplate(t, 'race');
    const mailer = t.app.get(NurtureMailer);
    const outcome = await t.db.transaction((m) => mailer.enqueue(m, { idempotencyKey: `race-${lead.body.id}`, leadId: lead.body.id, templateId }));
    const messages = t.app.get(EmailDeliveryRepository);
    const pending = await messages.load(outcome.messageId!);
    expect(pending?.lead?.email).toBe(email);

    expect((await t.api('delete', `/api/v1/leads/${lead.body.id}`)).status).toBe(204);

    const render = { to: email, subject: 'Dag Tussendoor', locale: 'nl', links: [{ index: 0, url: 'https://voorbeeld.be/?naam=Tussendoor' }] };
    // The erasure suppressed the queued message itself: the claim finds nothing to claim.
    const claim = await messages.claim(outcome.messageId!, new Date(), emailHash(email), render);
    expect(claim).toBeNull();
    const [row] = await t.db.query(`SELECT status, status_reason, to_address, subject, links FROM email_messages WHERE id = $1`, [outcome.messageId]);
    expect(row).toEqual({ status: 'suppressed', status_reason: 'erased', to_address: null, subject: null, links: [] });
  });

  it("erasing an address with an underscore keeps other leads' idempotency records (no LIKE wildcard)", async () => {
    const keep = await t.api('post', '/api/v1/leads').set('Idempotency-Key', 'keep-axb').send({ email: 'axb@voorbeeld.be' });
    expect(keep.status).toBe(201);
    const gone = await t.api('post', '/api/v1/leads').set('Idempotency-Key', 'gone-a_b').send({ email: 'a_b@voorbeeld.be' });
    expect(gone.status).toBe(201);
    expect((await t.api('delete', `/api/v1/leads/${gone.body.id}`)).status).toBe(204);
    const keys = (await t.db.query(`SELECT key FROM idempotency_records WHERE key IN ('keep-axb', 'gone-a_b')`)).map((r: { key: string }) => r.key);
    expect(keys).toEqual(['keep-axb']);
  });
});

/** An email can already be on its way when its lead is erased: nothing of it may outlive the erasure. */
describe('an email in flight when its lead is erased', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { EMAIL_RATE_PER_SECOND: '0' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  const queueEmail = async (email: string, idempotencyKey?: string) => {
    const req = t.api('post', '/api/v1/leads');
    if (idempotencyKey) req.set('Idempotency-Key', idempotencyKey);
    const lead = await req.send({ email, firstName: 'Onderweg', consent: GRANTED });
    expect(lead.status).toBe(201);
    const templateId = await createTemplate(t, `inflight-${lead.body.id}`);
    const mailer = t.app.get(NurtureMailer);
    const outcome = await t.db.transaction((m) => mailer.enqueue(m, { idempotencyKey: `inflight-${lead.body.id}`, leadId: lead.body.id, templateId }));
    expect(outcome.status).toBe('queued');
    return { leadId: lead.body.id as string, messageId: outcome.messageId! };
  };

  it('leaves no copy in the development mailbox: the erasure waits for the send under way and deletes what it stored', async () => {
    const email = 'Onder.Weg@Voorbeeld.be';
    const { leadId, messageId } = await queueEmail(email);
    const transport = t.app.get(MailTransport);
    const send = transport.send;
    let entered!: () => void;
    let release!: () => void;
    const sending = new Promise<void>((r) => (entered = r));
    const gate = new Promise<void>((r) => (release = r));
    // The transport is reached (the message is claimed, 'sending') and held there until the lead is erased.
    transport.send = async (mail) => {
      entered();
      await gate;
      return send.call(transport, mail);
    };
    try {
      await t.app.get(NurtureMailer).dispatch([messageId]);
      await sending;
      const erasing = t.api('delete', `/api/v1/leads/${leadId}`).then((r) => r);
      await eventually(async () => (await t.db.query(`SELECT erased_at FROM leads WHERE id = $1`, [leadId]))[0].erased_at);
      release();
      expect((await erasing).status).toBe(204);
    } finally {
      transport.send = send;
    }
    // The send went out (it could not be stopped) and was recorded; its copy is gone.
    const status = await eventually(async () => {
      const [row] = await t.db.query(`SELECT status FROM email_messages WHERE id = $1`, [messageId]);
      return row.status === 'sending' ? null : row.status;
    });
    expect(status).toBe('sent');
    const copies = await t.db.query(`SELECT id FROM dev_mailbox WHERE message_id = $1 OR lower(to_address) = lower($2)`, [messageId, email]);
    expect(copies).toEqual([]);
  });

  it('never shows a copy stored after the erasure was done: deleted when the mailbox is listed, 404 when opened', async () => {
    const { leadId, messageId } = await queueEmail('Te.Laat@Voorbeeld.be');
    expect((await t.api('delete', `/api/v1/leads/${leadId}`)).status).toBe(204);
    // A send that outlasted the erasure's wait stores its copy afterwards.
    const [late] = await t.db.query(
      `INSERT INTO dev_mailbox (message_id, to_address, from_address, subject, html, text, raw)
       VALUES ($1, 'Te.Laat@Voorbeeld.be', 'tips@example.be', 'Dag Te Laat', '<p>Dag Te Laat</p>', 'Dag Te Laat', 'raw') RETURNING id`,
      [messageId],
    );
    expect((await t.http().get(`/dev/mailbox/${late.id}`)).status).toBe(404);
    expect((await t.http().get(`/dev/mailbox/${late.id}/source`)).status).toBe(404);
    const list = await t.http().get('/dev/mailbox');
    expect(list.status).toBe(200);
    expect(list.text).not.toContain('Te.Laat@Voorbeeld.be');
    expect(await t.db.query(`SELECT id FROM dev_mailbox WHERE id = $1`, [late.id])).toEqual([]);
  });

  it('suppresses its queued email in the erasure itself: a delivery that rendered it and waits to claim it sends nothing', async () => {
    const email = 'Wacht.Even@Voorbeeld.be';
    const { leadId, messageId } = await queueEmail(email, `inflight-claim-${Date.now()}`);
    const messages = t.app.get(EmailDeliveryRepository);
    const render = { to: email, subject: 'Dag Wacht', locale: 'nl', links: [{ index: 0, url: 'https://voorbeeld.be/?naam=Wacht' }] };
    // Hold the erasure in its transaction, after it has written the lead's email rows: it ends by deleting the
    // idempotency record of the lead's upsert, which this transaction keeps locked.
    const holder = t.db.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    let erasing: Promise<{ status: number }> | undefined;
    let claiming: Promise<unknown> | undefined;
    try {
      expect(await holder.query(`SELECT key FROM idempotency_records WHERE response->>'id' = $1 FOR UPDATE`, [leadId])).toHaveLength(1);
      erasing = t.api('delete', `/api/v1/leads/${leadId}`).then((r) => r);
      const waiting = (pattern: string) =>
        eventually(async () => (await t.db.query(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1`, [pattern])).length > 0);
      await waiting('DELETE FROM idempotency_records%');
      // The delivery decided to send before the erasure committed; its claim waits for the message row. (Matched by
      // its opening: pg_stat_activity keeps only the first 1024 bytes of a statement.)
      claiming = messages.claim(messageId, new Date(), emailHash(email), render);
      await waiting('%AS i(id, at, recipient_hash%');
    } finally {
      await holder.commitTransaction();
      await holder.release();
    }
    expect((await erasing!).status).toBe(204);
    expect(await claiming!).toBeNull();
    const [row] = await t.db.query(`SELECT status, to_address, subject, links FROM email_messages WHERE id = $1`, [messageId]);
    expect(row).toEqual({ status: 'suppressed', to_address: null, subject: null, links: [] });
  });
});
