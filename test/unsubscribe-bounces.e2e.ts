import { randomUUID } from 'node:crypto';
import { emailHash } from '../src/suppression/email-hash.js';
import { SuppressionService } from '../src/suppression/suppression.service.js';
import { startTestApp, TestApp } from './support/test-app.js';

describe('bounces, complaints and the suppression list', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  async function newLead(): Promise<{ id: string; email: string }> {
    const email = `lead-${randomUUID()}@example.be`;
    const res = await t.api('post', '/api/v1/leads').send({ email, consent: { status: 'granted', basis: 'consent' } });
    return { id: res.body.id, email };
  }

  async function sentMessage(lead: { id: string; email: string }): Promise<string> {
    const [row] = await t.db.query(
      `INSERT INTO email_messages (idempotency_key, kind, lead_id, to_address, status, sent_at) VALUES ($1, 'nurture', $2, $3, 'sent', now()) RETURNING id`,
      [randomUUID(), lead.id, lead.email],
    );
    return row.id;
  }

  const suppressed = (leadIdOrEmail: string) => t.db.transaction((m) => t.app.get(SuppressionService).isSuppressed(m, leadIdOrEmail));
  const consent = async (leadId: string) => (await t.db.query(`SELECT consent_status FROM leads WHERE id = $1`, [leadId]))[0].consent_status;
  const outbox = (leadId: string) => t.db.query(`SELECT payload->>'reason' AS reason FROM outbox_events WHERE lead_id = $1 AND type = 'lead.unsubscribed'`, [leadId]);

  describe('bounce intake from the relay', () => {
    it('a hard bounce of a message suppresses its recipient and tells the outbox, but leaves consent alone', async () => {
      const lead = await newLead();
      const messageId = await sentMessage(lead);
      const res = await t.api('post', '/api/v1/email/bounces').send({ messageId, type: 'hard', reason: '550 5.1.1 user unknown' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ type: 'hard', messageId, leadId: lead.id, suppressed: true });
      expect(await suppressed(lead.id)).toBe(true);
      const [row] = await t.db.query(`SELECT reason, source FROM suppressions WHERE email_hash = $1`, [emailHash(lead.email)]);
      expect(row).toEqual({ reason: 'hard_bounce', source: 'relay:hard' });
      expect(await consent(lead.id)).toBe('granted');
      expect(await outbox(lead.id)).toEqual([{ reason: 'hard_bounce' }]);
    });

    it('a complaint by address suppresses it and withdraws consent', async () => {
      const lead = await newLead();
      const res = await t.api('post', '/api/v1/email/bounces').send({ email: lead.email.toUpperCase(), type: 'complaint' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ leadId: lead.id, suppressed: true });
      expect(await consent(lead.id)).toBe('withdrawn');
      const consents = await t.db.query(`SELECT status, source FROM consents WHERE lead_id = $1 AND status = 'withdrawn'`, [lead.id]);
      expect(consents).toEqual([{ status: 'withdrawn', source: 'relay:complaint' }]);
      expect(await outbox(lead.id)).toEqual([{ reason: 'complaint' }]);
    });

    it('a single soft bounce is recorded and counted, without suppressing (three on distinct messages do: soft-bounces.e2e.ts)', async () => {
      const lead = await newLead();
      const messageId = await sentMessage(lead);
      const res = await t.api('post', '/api/v1/email/bounces').send({ messageId, type: 'soft', reason: '452 mailbox full' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ suppressed: false, softBounces: 1 });
      expect(await suppressed(lead.id)).toBe(false);
      expect(await outbox(lead.id)).toEqual([]);
      const [bounce] = await t.db.query(`SELECT type, reason, lead_id, email_hash FROM email_bounces WHERE id = $1`, [res.body.id]);
      expect(bounce).toEqual({ type: 'soft', reason: '452 mailbox full', lead_id: lead.id, email_hash: emailHash(lead.email) });
    });

    it('suppresses an address that belongs to no lead, so it is never mailed', async () => {
      const res = await t.api('post', '/api/v1/email/bounces').send({ email: 'nobody@example.be', type: 'hard' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ leadId: null, suppressed: true });
      expect(await suppressed('Nobody@Example.be')).toBe(true);
    });

    it('reporting the same bounce twice changes nothing more', async () => {
      const lead = await newLead();
      const messageId = await sentMessage(lead);
      await t.api('post', '/api/v1/email/bounces').send({ messageId, type: 'hard' }).expect(201);
      await t.api('post', '/api/v1/email/bounces').send({ messageId, type: 'hard' }).expect(201);
      expect(await outbox(lead.id)).toHaveLength(1);
    });

    it('refuses a report without address or message (422), an unknown message (404), and other roles (403)', async () => {
      const none = await t.api('post', '/api/v1/email/bounces').send({ type: 'hard' });
      expect(none.status).toBe(422);
      expect(none.body.errors).toEqual([expect.objectContaining({ field: 'email' })]);
      const badType = await t.api('post', '/api/v1/email/bounces').send({ email: 'a@example.be', type: 'bounced' });
      expect(badType.status).toBe(422);
      expect(badType.body.errors.map((e: { field: string }) => e.field)).toEqual(['type']);
      expect((await t.api('post', '/api/v1/email/bounces').send({ messageId: randomUUID(), type: 'hard' })).status).toBe(404);
      const { body: key } = await t.api('post', '/api/v1/api-keys').send({ name: 'mkt', role: 'marketer' });
      expect((await t.api('post', '/api/v1/email/bounces', key.key).send({ email: 'a@example.be', type: 'hard' })).status).toBe(403);
    });
  });

  describe('the check before every send', () => {
    it('treats withdrawn consent as suppressed, and tells why, for one lead or many', async () => {
      const withdrawn = await newLead();
      await t.api('post', '/api/v1/leads').send({ email: withdrawn.email, consent: { status: 'withdrawn' } }).expect(200);
      const fine = await newLead();
      const bounced = await newLead();
      await t.api('post', '/api/v1/email/bounces').send({ email: bounced.email, type: 'hard' }).expect(201);
      const service = t.app.get(SuppressionService);
      const reasons = await t.db.transaction((m) => service.suppressedAmong(m, [withdrawn.id, fine.id, bounced.id]));
      expect(Object.fromEntries(reasons)).toEqual({ [withdrawn.id]: 'consent_withdrawn', [bounced.id]: 'hard_bounce' });
      expect(await t.db.transaction((m) => service.suppressionReason(m, withdrawn.email))).toBe('consent_withdrawn');
      expect(await suppressed(fine.id)).toBe(false);
      expect(await suppressed(fine.email)).toBe(false);
      expect(await suppressed(randomUUID())).toBe(false);
    });
  });

  describe('the suppression list', () => {
    it('adds an address by hand (201), and again changes nothing (200)', async () => {
      const lead = await newLead();
      const first = await t.api('post', '/api/v1/suppressions').send({ email: lead.email, reason: 'manual' });
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({ emailHash: emailHash(lead.email), email: lead.email, leadId: lead.id, reason: 'manual', source: 'api-key:ADMIN_API_KEY' });
      const again = await t.api('post', '/api/v1/suppressions').send({ email: lead.email.toUpperCase(), reason: 'manual' });
      expect(again.status).toBe(200);
      expect(again.body.createdAt).toBe(first.body.createdAt);
      expect(await suppressed(lead.id)).toBe(true);
    });

    it('only takes manual entries by hand', async () => {
      const res = await t.api('post', '/api/v1/suppressions').send({ email: 'x@example.be', reason: 'hard_bounce' });
      expect(res.status).toBe(422);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['reason']);
    });

    it('lists entries newest first, filtered by reason or address, page by page', async () => {
      for (let i = 0; i < 3; i++) await t.api('post', '/api/v1/email/bounces').send({ email: `list-${i}-${randomUUID()}@example.be`, type: 'complaint' });
      const page1 = await t.api('get', '/api/v1/suppressions?reason=complaint&limit=2');
      expect(page1.status).toBe(200);
      expect(page1.body.items).toHaveLength(2);
      expect(page1.body.items.every((s: { reason: string }) => s.reason === 'complaint')).toBe(true);
      expect(page1.body.nextCursor).toEqual(expect.any(String));
      const page2 = await t.api('get', `/api/v1/suppressions?reason=complaint&limit=2&cursor=${page1.body.nextCursor}`);
      const all = [...page1.body.items, ...page2.body.items].map((s: { emailHash: string }) => s.emailHash);
      expect(new Set(all).size).toBe(all.length);
      expect(all.length).toBeGreaterThanOrEqual(3);

      const one = await t.api('get', '/api/v1/suppressions?email=NOBODY@example.be');
      expect(one.body.items).toEqual([expect.objectContaining({ emailHash: emailHash('nobody@example.be'), reason: 'hard_bounce', email: null })]);
      expect((await t.api('get', '/api/v1/suppressions?reason=bounced')).status).toBe(422);
      expect((await t.api('get', '/api/v1/suppressions?cursor=WyJ4IiwieSJd')).status).toBe(422);
    });
  });
});
