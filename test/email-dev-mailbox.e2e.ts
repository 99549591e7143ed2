import { simpleParser } from 'mailparser';
import { EmailService } from '../src/email/email.service.js';
import { createLead, createTemplate } from './support/email-fixtures.js';
import { eventually, startTestApp, type TestApp } from './support/test-app.js';

describe('the development mailbox (no SMTP_URL)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { EMAIL_RATE_PER_SECOND: '0', MAIL_FROM: 'Studio Noord <tips@studio-noord.example.be>' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('keeps every email where a developer can read it: a list, the message as shown, its text part and its source', async () => {
    const templateId = await createTemplate(t);
    const leadId = await createLead(t, { email: 'an@bakkerij-peeters.example.be', firstName: 'An' });
    const { messageId } = await t.app.get(EmailService).sendToLead(leadId, templateId, 'dev:1');
    const stored = await eventually(async () => (await t.db.query(`SELECT id FROM dev_mailbox WHERE message_id = $1`, [messageId]))[0], 20_000);
    // The mailbox row is written by the transport; 'sent' is recorded right after it answers.
    const status = await eventually(async () => {
      const [row] = await t.db.query(`SELECT status FROM email_messages WHERE id = $1`, [messageId]);
      return row.status === 'sent' ? row.status : null;
    });
    expect(status).toBe('sent');

    const list = await t.http().get('/dev/mailbox');
    expect(list.status).toBe(200);
    expect(list.headers['content-type']).toMatch(/text\/html/);
    expect(list.text).toContain('an@bakkerij-peeters.example.be');
    expect(list.text).toContain('Bedankt voor je download, An');
    expect(list.text).toContain(`/dev/mailbox/${stored.id}`);

    const shown = await t.http().get(`/dev/mailbox/${stored.id}`);
    expect(shown.status).toBe(200);
    expect(shown.text).toContain('Hallo An,');
    expect(shown.headers['content-security-policy']).toMatch(/sandbox/);

    const source = await t.http().get(`/dev/mailbox/${stored.id}/source`);
    expect(source.status).toBe(200);
    const parsed = await simpleParser(source.text);
    expect(parsed.subject).toBe('Bedankt voor je download, An');

    // The plain-text part on its own page, the same text the message carries.
    expect(list.text).toContain(`/dev/mailbox/${stored.id}/text`);
    const text = await t.http().get(`/dev/mailbox/${stored.id}/text`);
    expect(text.status).toBe(200);
    expect(text.headers['content-type']).toMatch(/text\/plain/);
    expect(text.text).toContain('Hallo An,');
    expect(text.text).not.toMatch(/<[a-z]/i);
    expect(text.text.trim()).toBe((parsed.text ?? '').trim());
    expect(parsed.headerLines.map((h) => h.key)).toEqual(expect.arrayContaining(['message-id', 'list-unsubscribe', 'list-unsubscribe-post']));
  });

  it('escapes what it lists', async () => {
    await t.db.query(
      `INSERT INTO dev_mailbox (to_address, from_address, subject, html, text, raw) VALUES ('x@example.be', 'y@example.be', '<script>alert(1)</script>', '', '', '')`,
    );
    const list = await t.http().get('/dev/mailbox');
    expect(list.text).not.toContain('<script>alert(1)</script>');
    expect(list.text).toContain('&#60;script&#62;');
  });

  it('answers 404 for an unknown message', async () => {
    expect((await t.http().get('/dev/mailbox/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });
});

describe('the development mailbox in production', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { NODE_ENV: 'production', TRACKING_SECRET: 'production-tracking-secret-0123456789abcdef', SENDER_ADDRESS: 'Kerkstraat 1, 2000 Antwerpen' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('does not exist: every page answers 404', async () => {
    const [stored] = await t.db.query(
      `INSERT INTO dev_mailbox (to_address, from_address, subject, html, text, raw) VALUES ('x@example.be', 'y@example.be', 'Geheim', '<p>geheim</p>', '', '') RETURNING id`,
    );
    for (const path of ['/dev/mailbox', `/dev/mailbox/${stored.id}`, `/dev/mailbox/${stored.id}/text`, `/dev/mailbox/${stored.id}/source`]) {
      const res = await t.http().get(path);
      expect(res.status).toBe(404);
      expect(res.text).not.toContain('geheim');
    }
  });
});
