import { randomUUID } from 'node:crypto';
import { ManualClock } from '../src/common/clock.js';
import { SuppressionService } from '../src/suppression/suppression.service.js';
import { emailHash } from '../src/suppression/email-hash.js';
import { signToken } from '../src/tracking/domain/tracking-token.js';
import { eventually, startTestApp, TestApp } from './support/test-app.js';

describe('unsubscribing from an email', () => {
  let t: TestApp;
  const clock = new ManualClock('2026-03-02T10:00:00Z');

  beforeAll(async () => {
    t = await startTestApp({ clock });
  });
  afterAll(async () => {
    await t?.close();
  });

  const unsubscribeToken = (messageId: string) => signToken(t.config.trackingSecret, { k: 'u', m: messageId });

  async function newLead(fields: Record<string, unknown> = {}): Promise<{ id: string; email: string }> {
    const email = `Lead-${randomUUID()}@Example.be`;
    const res = await t.api('post', '/api/v1/leads').send({ email, consent: { status: 'granted', basis: 'consent', text: 'Ja', source: 'form' }, ...fields });
    expect(res.status).toBe(201);
    return { id: res.body.id, email };
  }

  async function sentMessage(leadId: string): Promise<string> {
    const [row] = await t.db.query(
      `INSERT INTO email_messages (idempotency_key, kind, lead_id, to_address, template_id, step_id, enrollment_id, status, sent_at)
       VALUES ($1, 'nurture', $2, (SELECT email FROM leads WHERE id = $2), $3, 'welcome', $4, 'sent', $5) RETURNING id`,
      [randomUUID(), leadId, randomUUID(), randomUUID(), clock.now().toISOString()],
    );
    return row.id;
  }

  async function state(lead: { id: string; email: string }) {
    const [l] = await t.db.query(`SELECT consent_status FROM leads WHERE id = $1`, [lead.id]);
    const suppressions = await t.db.query(`SELECT email_hash, lead_id, reason, source FROM suppressions WHERE email_hash = $1`, [emailHash(lead.email)]);
    const consents = await t.db.query(`SELECT status, source FROM consents WHERE lead_id = $1 ORDER BY recorded_at`, [lead.id]);
    const events = await t.db.query(`SELECT type, properties FROM events WHERE lead_id = $1 AND type = 'unsubscribed'`, [lead.id]);
    const outbox = await t.db.query(`SELECT payload FROM outbox_events WHERE lead_id = $1 AND type = 'lead.unsubscribed'`, [lead.id]);
    return { consent: l.consent_status, suppressions, consents, events, outbox };
  }

  const suppressed = (leadIdOrEmail: string) => t.db.transaction((m) => t.app.get(SuppressionService).isSuppressed(m, leadIdOrEmail));

  describe('the page behind the link', () => {
    it('asks for confirmation in the lead’s language and never unsubscribes by itself', async () => {
      const lead = await newLead({ locale: 'fr-BE' });
      const messageId = await sentMessage(lead.id);
      for (let i = 0; i < 3; i++) {
        const res = await t.http().get(`/u/${unsubscribeToken(messageId)}`);
        expect(res.status).toBe(200);
        expect(res.headers['content-type']).toMatch(/text\/html/);
        expect(res.text).toContain('<html lang="fr">');
        expect(res.text).toContain('<form method="post">');
        expect(res.text).toContain('Me désinscrire');
      }
      const after = await state(lead);
      expect(after.consent).toBe('granted');
      expect(after.suppressions).toEqual([]);
      expect(after.outbox).toEqual([]);
      expect(await suppressed(lead.id)).toBe(false);
    });

    it('falls back to the default language for a lead without one', async () => {
      const lead = await newLead();
      const res = await t.http().get(`/u/${unsubscribeToken(await sentMessage(lead.id))}`);
      expect(res.text).toContain('<html lang="nl">');
      expect(res.text).toContain('Uitschrijven</button>');
    });

    it('answers 404 with a friendly page for a bad token, and changes nothing', async () => {
      const lead = await newLead();
      const messageId = await sentMessage(lead.id);
      const foreign = signToken('someone-elses-secret-0123456789abcdef', { k: 'u', m: messageId });
      const clickToken = signToken(t.config.trackingSecret, { k: 'c', m: messageId, l: 0 });
      for (const bad of [foreign, clickToken, 'nonsense']) {
        expect((await t.http().get(`/u/${bad}`)).status).toBe(404);
        const post = await t.http().post(`/u/${bad}`).type('form').send('List-Unsubscribe=One-Click');
        expect(post.status).toBe(404);
        expect(post.text).toContain('Deze link werkt niet');
      }
      expect((await state(lead)).suppressions).toEqual([]);
    });
  });

  describe('one-click unsubscribe (RFC 8058)', () => {
    it('unsubscribes at once from a urlencoded POST: suppression, consent, event and outbox, answered 200', async () => {
      const lead = await newLead({ locale: 'en' });
      const messageId = await sentMessage(lead.id);
      const res = await t.http().post(`/u/${unsubscribeToken(messageId)}`).type('form').send('List-Unsubscribe=One-Click');
      expect(res.status).toBe(200);
      expect(res.headers.location).toBeUndefined();
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(res.text).toContain('You are unsubscribed');

      const after = await state(lead);
      expect(after.consent).toBe('withdrawn');
      expect(after.suppressions).toEqual([{ email_hash: emailHash(lead.email), lead_id: lead.id, reason: 'unsubscribed', source: 'list-unsubscribe' }]);
      expect(after.consents.at(-1)).toEqual({ status: 'withdrawn', source: 'list-unsubscribe' });
      expect(after.events).toEqual([{ type: 'unsubscribed', properties: expect.objectContaining({ messageId, stepId: 'welcome', via: 'list-unsubscribe' }) }]);
      expect(after.outbox).toEqual([{ payload: expect.objectContaining({ leadId: lead.id, reason: 'unsubscribed', messageId }) }]);
      expect(await suppressed(lead.id)).toBe(true);
      expect(await suppressed(lead.email.toUpperCase())).toBe(true);
      // The unsubscribe event goes through scoring like any other behaviour event.
      await eventually(async () => (await t.db.query(`SELECT 1 FROM scoring_queue WHERE lead_id = $1`, [lead.id])).length === 0);
    });

    it('is idempotent: a repeat answers 200 and records nothing new', async () => {
      const lead = await newLead();
      const path = `/u/${unsubscribeToken(await sentMessage(lead.id))}`;
      await t.http().post(path).type('form').send('List-Unsubscribe=One-Click').expect(200);
      const first = await state(lead);
      for (let i = 0; i < 2; i++) {
        const res = await t.http().post(path).type('form').send('List-Unsubscribe=One-Click');
        expect(res.status).toBe(200);
        expect(res.text).toContain('Je bent uitgeschreven');
      }
      expect(await state(lead)).toEqual(first);
      expect(first.outbox).toHaveLength(1);
      expect(first.events).toHaveLength(1);
      // The page now says so instead of asking again.
      expect((await t.http().get(path)).text).toContain('Je bent uitgeschreven');
    });

    it('accepts the one-click body as multipart/form-data', async () => {
      const lead = await newLead();
      const res = await t.http().post(`/u/${unsubscribeToken(await sentMessage(lead.id))}`).field('List-Unsubscribe', 'One-Click');
      expect(res.status).toBe(200);
      const after = await state(lead);
      expect(after.suppressions).toEqual([expect.objectContaining({ reason: 'unsubscribed', source: 'list-unsubscribe' })]);
      expect(after.consent).toBe('withdrawn');
    });

    it('unsubscribes from the page’s own confirm form', async () => {
      const lead = await newLead();
      const res = await t.http().post(`/u/${unsubscribeToken(await sentMessage(lead.id))}`).type('form').send('confirm=yes');
      expect(res.status).toBe(200);
      expect((await state(lead)).suppressions).toEqual([expect.objectContaining({ reason: 'unsubscribed', source: 'unsubscribe-page' })]);
    });

    it('only ever unsubscribes the recipient of the message the token names', async () => {
      const an = await newLead();
      const bert = await newLead();
      const ansMessage = await sentMessage(an.id);
      await sentMessage(bert.id);
      await t.http().post(`/u/${unsubscribeToken(ansMessage)}`).type('form').send('List-Unsubscribe=One-Click').expect(200);
      // A token whose payload was edited to another message does not verify.
      const [payload, mac] = unsubscribeToken(ansMessage).split('.');
      const bytes = Buffer.from(payload, 'base64url');
      bytes[16] ^= 1;
      await t.http().post(`/u/${bytes.toString('base64url')}.${mac}`).type('form').send('List-Unsubscribe=One-Click').expect(404);
      expect(await suppressed(an.id)).toBe(true);
      expect(await suppressed(bert.id)).toBe(false);
      expect((await state(bert)).consent).toBe('granted');
    });
  });

  describe('by email to the List-Unsubscribe mailto address (the relay’s inbound webhook)', () => {
    const mailed = (subject: unknown, key?: string) => (key ? t.http().post('/api/v1/email/unsubscribes').set('authorization', `Bearer ${key}`) : t.api('post', '/api/v1/email/unsubscribes')).send({ subject, from: 'someone@example.be' });

    it('unsubscribes the recipient of the message the subject’s token names, once, whatever the client put before it', async () => {
      const lead = await newLead();
      const messageId = await sentMessage(lead.id);
      const res = await mailed(`Re: unsubscribe:${unsubscribeToken(messageId)}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ unsubscribed: true, messageId, email: lead.email });
      const after = await state(lead);
      expect(after.consent).toBe('withdrawn');
      expect(after.suppressions).toEqual([{ email_hash: emailHash(lead.email), lead_id: lead.id, reason: 'unsubscribed', source: 'list-unsubscribe-mailto' }]);
      expect(after.events).toHaveLength(1);
      expect(after.events[0].properties).toMatchObject({ messageId, via: 'list-unsubscribe-mailto' });
      expect(after.outbox).toHaveLength(1);
      expect(await suppressed(lead.id)).toBe(true);
      // Sent again (a client retrying, a second click): answered the same, nothing recorded twice.
      expect((await mailed(`unsubscribe:${unsubscribeToken(messageId)}`)).status).toBe(200);
      const again = await state(lead);
      expect([again.suppressions.length, again.events.length, again.outbox.length, again.consents.length]).toEqual([1, 1, 1, after.consents.length]);
    });

    it('refuses a subject without a valid token with 422 naming the field, and changes nothing', async () => {
      const lead = await newLead();
      const messageId = await sentMessage(lead.id);
      const foreign = signToken('someone-elses-secret-0123456789abcdef', { k: 'u', m: messageId });
      const openToken = signToken(t.config.trackingSecret, { k: 'o', m: messageId });
      for (const subject of ['unsubscribe', `unsubscribe:${foreign}`, `unsubscribe:${openToken}`, 'Please remove me']) {
        const res = await mailed(subject);
        expect(res.status).toBe(422);
        expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
        expect(res.body.errors).toEqual([{ field: 'subject', message: expect.stringContaining('no valid unsubscribe token') }]);
      }
      const missing = await mailed(undefined);
      expect(missing.status).toBe(422);
      expect(missing.body.errors.map((e: { field: string }) => e.field)).toContain('subject');
      expect((await state(lead)).suppressions).toEqual([]);
    });

    it('is for the relay: an admin key is needed', async () => {
      const lead = await newLead();
      const subject = `unsubscribe:${unsubscribeToken(await sentMessage(lead.id))}`;
      expect((await t.http().post('/api/v1/email/unsubscribes').send({ subject })).status).toBe(401);
      expect((await state(lead)).suppressions).toEqual([]);
    });
  });
});
