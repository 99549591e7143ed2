import { generateKeyPairSync } from 'node:crypto';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { decodeHTML } from 'entities';
import { ManualClock } from '../src/common/clock.js';
import { EmailService } from '../src/email/email.service.js';
import { HONEYPOT_LINK_INDEX } from '../src/tracking/domain/honeypot.js';
import { verifyToken } from '../src/tracking/domain/tracking-token.js';
import { createLead, createTemplate } from './support/email-fixtures.js';
import { SmtpSink, type ReceivedMail } from './support/smtp-sink.js';
import { eventually, startTestApp, type TestApp } from './support/test-app.js';
import { mailtoSubjectToken } from '../src/tracking/unsubscribe.service.js';

const DOMAIN = 'studio-noord.example.be';
const SELECTOR = 'nurture2026';
// A long public base URL, so List-Unsubscribe is folded over several lines (and must still verify).
const BASE = 'https://links.nieuwsbrief.studio-noord.example.be/tracking-and-preferences-for-our-customers';
const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'der' },
});
/** DNS as a receiving server would see it: the selector's TXT record with the public key. */
const resolver = async (name: string, type: string) => {
  if (type === 'TXT' && name === `${SELECTOR}._domainkey.${DOMAIN}`) return [[`v=DKIM1; k=rsa; p=${publicKey.toString('base64')}`]];
  throw Object.assign(new Error(`no ${type} record for ${name}`), { code: 'ENOTFOUND' });
};

describe('what a lead receives', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let email: EmailService;
  let templateId: string;
  const clock = new ManualClock('2026-03-02T10:00:00Z');

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({
      clock,
      env: {
        SMTP_URL: sink.url,
        PUBLIC_BASE_URL: BASE,
        MAIL_FROM: `Studio Noord <tips@${DOMAIN}>`,
        SENDER_ADDRESS: 'Kerkstraat 1, 2000 Antwerpen',
        DKIM_DOMAIN: DOMAIN,
        DKIM_SELECTOR: SELECTOR,
        DKIM_PRIVATE_KEY: privateKey.replace(/\n/g, '\\n'), // as it comes from an env file
        EMAIL_RATE_PER_SECOND: '0',
      },
    });
    email = t.app.get(EmailService);
    templateId = await createTemplate(t);
  });
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  async function sendTo(lead: Record<string, unknown>, key: string): Promise<{ messageId: string; mail: ReceivedMail }> {
    const leadId = await createLead(t, lead);
    const outcome = await email.sendToLead(leadId, templateId, key);
    expect(outcome.status).toBe('queued');
    const mail = await eventually(async () => sink.to(String(lead.email))[0], 20_000);
    return { messageId: outcome.messageId, mail };
  }

  const hrefs = (html: string) => [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1].replace(/&amp;/g, '&'));

  describe('a personal email in their own language', () => {
    let sent: { messageId: string; mail: ReceivedMail };
    beforeAll(async () => {
      sent = await sendTo({ email: 'an@bakkerij-peeters.example.be', firstName: 'An', locale: 'nl-BE', attributes: { industry: 'food' } }, 'welcome:an');
    });

    it('greets them by name, in Dutch, from the configured sender', () => {
      const { parsed } = sent.mail;
      expect(parsed.subject).toBe('Bedankt voor je download, An');
      expect(parsed.from?.value).toEqual([{ name: 'Studio Noord', address: `tips@${DOMAIN}` }]);
      expect(parsed.html).toContain('Hallo An,');
      expect(parsed.text).toContain('Hallo An,');
      expect(sent.mail.envelope).toEqual({ from: `tips@${DOMAIN}`, to: ['an@bakkerij-peeters.example.be'] });
    });

    it('has a unique Message-ID, recorded on the message', async () => {
      expect(sent.mail.parsed.messageId).toBe(`<${sent.messageId}@${DOMAIN}>`);
      // The server has the email; the worker records 'sent' right after the SMTP reply.
      const row = await eventually(async () => {
        const [r] = await t.db.query(`SELECT status, smtp_message_id, subject, locale, attempts FROM email_messages WHERE id = $1`, [sent.messageId]);
        return r.status === 'sent' ? r : null;
      });
      expect(row).toEqual({ status: 'sent', smtp_message_id: sent.mail.parsed.messageId, subject: 'Bedankt voor je download, An', locale: 'nl', attempts: 1 });
    });

    it('offers one-click unsubscribe: exactly one https URI plus a mailto: in List-Unsubscribe, and List-Unsubscribe-Post', () => {
      const header = sent.mail.parsed.headerLines.find((h) => h.key === 'list-unsubscribe')!.line.replace(/^[^:]+:\s*/, '').replace(/\r\n\s+/g, ' ');
      const uris = [...header.matchAll(/<([^>]+)>/g)].map((m) => m[1]);
      expect(uris.filter((u) => u.startsWith('https://'))).toHaveLength(1);
      expect(uris.filter((u) => u.startsWith('mailto:'))).toHaveLength(1);
      expect(uris).toHaveLength(2);
      const [https] = uris;
      expect(https.startsWith(`${BASE}/u/`)).toBe(true);
      expect(verifyToken(t.config.trackingSecret, https.slice(`${BASE}/u/`.length), 'u')).toEqual({ k: 'u', m: sent.messageId });
      expect(sent.mail.parsed.headerLines.find((h) => h.key === 'list-unsubscribe-post')?.line).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
      // The mailto form: an email with this subject, passed on by the relay, unsubscribes (unsubscribe.e2e).
      const mailto = new URL(uris.find((u) => u.startsWith('mailto:'))!);
      const subject = mailto.searchParams.get('subject')!;
      expect(subject).toMatch(/^unsubscribe:/);
      expect(verifyToken(t.config.trackingSecret, mailtoSubjectToken(`Re: ${subject}`)!, 'u')).toEqual({ k: 'u', m: sent.messageId });
    });

    it('routes every web link through a signed click token, and keeps the original URLs on the message', async () => {
      const html = sent.mail.parsed.html as string;
      const clicks = hrefs(html).filter((h) => h.startsWith(`${BASE}/t/c/`));
      const indexes = clicks.map((h) => verifyToken(t.config.trackingSecret, h.slice(`${BASE}/t/c/`.length), 'c'));
      for (const token of indexes) expect(token).toMatchObject({ k: 'c', m: sent.messageId });
      expect(indexes.map((p) => p!.l)).toEqual([0, 1, 2, HONEYPOT_LINK_INDEX]);
      expect(hrefs(html).filter((h) => h.startsWith('https://studio-noord.example.be'))).toEqual([]);
      expect(hrefs(html)).toContain('mailto:hallo@studio-noord.example.be');

      const [row] = await t.db.query(`SELECT links FROM email_messages WHERE id = $1`, [sent.messageId]);
      expect(row.links).toEqual([
        { index: 0, url: 'https://studio-noord.example.be/gids?utm_source=nurture&utm_medium=email' },
        { index: 1, url: 'https://studio-noord.example.be/cases/food' },
        { index: 2, url: 'https://studio-noord.example.be/afspraak' },
      ]);
    });

    it('hides the honeypot link from people', () => {
      const html = sent.mail.parsed.html as string;
      const honeypot = [...html.matchAll(/<a [^>]*>/g)].map((m) => m[0]).find((a) => {
        const href = /href="([^"]*)"/.exec(a)![1];
        return verifyToken(t.config.trackingSecret, href.split('/t/c/')[1] ?? '', 'c')?.l === HONEYPOT_LINK_INDEX;
      });
      expect(honeypot).toMatch(/display:none/);
      expect(honeypot).toMatch(/aria-hidden="true"/);
    });

    it('has an open pixel, and a footer with the sender address and the unsubscribe link', () => {
      const html = sent.mail.parsed.html as string;
      const pixel = /<img src="([^"]+)" width="1" height="1"/.exec(html)![1];
      expect(pixel.startsWith(`${BASE}/t/o/`)).toBe(true);
      expect(verifyToken(t.config.trackingSecret, pixel.slice(`${BASE}/t/o/`.length), 'o')).toEqual({ k: 'o', m: sent.messageId });
      // The HTML part is sent 7-bit: non-ASCII characters arrive as numeric character references.
      expect(html).toContain('Studio Noord &#183; Kerkstraat 1, 2000 Antwerpen');
      expect(decodeHTML(html)).toContain('Studio Noord · Kerkstraat 1, 2000 Antwerpen');
      expect(hrefs(html).filter((h) => h.startsWith(`${BASE}/u/`))).toHaveLength(1);
    });

    it('has a plain-text part with the same tracked links and no HTML', () => {
      const text = sent.mail.parsed.text as string;
      expect(text).toMatch(new RegExp(`onze gids \\[${BASE.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/t/c/[A-Za-z0-9_.-]+\\]`));
      expect(text).toContain('Kerkstraat 1, 2000 Antwerpen');
      expect(text).not.toMatch(/<[a-z/][^>]*>/i);
    });

    it('is DKIM-signed, verifiably, over List-Unsubscribe and List-Unsubscribe-Post, with folded headers', async () => {
      const raw = sent.mail.raw.toString('latin1');
      expect(raw).toMatch(/\r\nList-Unsubscribe: [^\r\n]+\r\n [^\r\n]+/); // folded over two lines
      const result = await dkimVerify(sent.mail.raw, { resolver });
      expect(result.results).toHaveLength(1);
      expect(result.results[0].status.result).toBe('pass');
      expect(result.results[0].signingDomain).toBe(DOMAIN);
      const headerBlock = raw.slice(0, raw.indexOf('\r\n\r\n')).replace(/\r\n\s+/g, ' ');
      const signed = /DKIM-Signature:[^\r\n]*?\bh=([^;]+);/.exec(headerBlock)![1].split(':');
      expect(signed).toEqual(expect.arrayContaining(['list-unsubscribe', 'list-unsubscribe-post', 'from', 'subject', 'message-id']));
    });
  });

  it("appears on the lead's timeline as an email item: template, subject, status and when it was sent", async () => {
    const { messageId } = await sendTo({ email: 'tijdlijn@example.be', firstName: 'Tine' }, 'welcome:tijdlijn');
    const [{ lead_id: leadId }] = await t.db.query(`SELECT lead_id FROM email_messages WHERE id = $1`, [messageId]);
    const item = await eventually(async () => {
      const timeline = await t.api('get', `/api/v1/leads/${leadId}/timeline`);
      const found = timeline.body.items.find((i: { kind: string; id: string }) => i.kind === 'email' && i.id === messageId);
      return found?.data.status === 'sent' ? found : null;
    });
    expect(item.data).toMatchObject({ status: 'sent', reason: null, templateId, templateVersion: 1, locale: 'nl', subject: 'Bedankt voor je download, Tine', sentAt: expect.any(String) });
  });

  it('greets a lead without a name with the fallback, and gives a lead in another language the default locale', async () => {
    const { mail, messageId } = await sendTo({ email: 'kurt@example.de', locale: 'de' }, 'welcome:kurt');
    expect(mail.parsed.subject).toBe('Bedankt voor je download');
    expect(mail.parsed.html).toContain('Hallo daar,');
    expect(mail.parsed.text).toContain('Hallo daar,');
    const [row] = await t.db.query(`SELECT locale, links FROM email_messages WHERE id = $1`, [messageId]);
    expect(row.locale).toBe('nl');
    expect(row.links[1]).toEqual({ index: 1, url: 'https://studio-noord.example.be/cases/algemeen' });
  });

  it('gives an English lead the English variant', async () => {
    const { mail } = await sendTo({ email: 'emma@example.co.uk', firstName: 'Emma', locale: 'en' }, 'welcome:emma');
    expect(mail.parsed.subject).toBe('Thanks for downloading, Emma');
    expect(mail.parsed.html).toContain('Unsubscribe');
  });

  it('uses a subject given with the send (an A/B variant) instead of the template\'s, personalised the same way', async () => {
    const leadId = await createLead(t, { email: 'ab@example.be', firstName: 'Bram' });
    const { messageId } = await t.db.transaction((m) =>
      email.enqueue(m, { idempotencyKey: 'ab:1', leadId, templateId, variant: 'B', subjectOverride: 'Nog één vraag, {{fallback firstName "daar"}}' }),
    );
    await email.dispatch([messageId]);
    const mail = await eventually(async () => sink.to('ab@example.be')[0], 20_000);
    expect(mail.parsed.subject).toBe('Nog één vraag, Bram');
    const [row] = await t.db.query(`SELECT subject, variant FROM email_messages WHERE id = $1`, [messageId]);
    expect(row).toEqual({ subject: 'Nog één vraag, Bram', variant: 'B' });
    await expect(
      t.db.transaction((m) => email.enqueue(m, { idempotencyKey: 'ab:2', leadId, templateId, subjectOverride: 'Hoi {{#if x}}' })),
    ).rejects.toMatchObject({ errors: [{ field: 'subjectOverride', message: expect.stringMatching(/not valid Handlebars/) }] });
  });

  it("shows blocks by the lead's intent: the highest tier of its own, human behaviour of the last 90 days", async () => {
    const INTENT_SUBJECT = '{{#ifEq intent "high"}}Zullen we bellen?{{else}}{{#ifEq intent "medium"}}Nog één vraag{{else}}Welkom ({{intent}}){{/ifEq}}{{/ifEq}}';
    const behaviour = async (leadId: string, type: string, daysAgo: number, machine = false) =>
      t.db.query(`INSERT INTO events (lead_id, type, occurred_at, properties, machine) VALUES ($1, $2, $3, '{}', $4)`, [
        leadId,
        type,
        new Date(clock.now().getTime() - daysAgo * 86_400_000),
        machine,
      ]);
    const subjectFor = async (address: string, events: (leadId: string) => Promise<void>) => {
      const leadId = await createLead(t, { email: address });
      await events(leadId);
      const { messageId } = await t.db.transaction((m) => email.enqueue(m, { idempotencyKey: `intent:${address}`, leadId, templateId, subjectOverride: INTENT_SUBJECT }));
      await email.dispatch([messageId]);
      return (await eventually(async () => sink.to(address)[0], 20_000)).parsed.subject;
    };

    expect(await subjectFor('offerte@example.be', async (id) => {
      await behaviour(id, 'blog_read', 1);
      await behaviour(id, 'quote_requested', 10);
    })).toBe('Zullen we bellen?');
    // A scanner's quote request shows no intent; a download does (medium).
    expect(await subjectFor('download@example.be', async (id) => {
      await behaviour(id, 'quote_requested', 1, true);
      await behaviour(id, 'content_downloaded', 30);
    })).toBe('Nog één vraag');
    // A quote request long ago no longer counts; a lead without behaviour is low.
    expect(await subjectFor('vroeger@example.be', (id) => behaviour(id, 'quote_requested', 91))).toBe('Welkom (low)');
    expect(await subjectFor('stil@example.be', async () => undefined)).toBe('Welkom (low)');
  });

  it('never mails a lead without a lawful basis; once consent or legitimate interest is recorded, it may', async () => {
    const leadId = await createLead(t, { email: 'geen-basis@example.be', firstName: 'Gert', consent: undefined });
    const refused = await email.sendToLead(leadId, templateId, 'basis:1');
    expect(refused).toMatchObject({ status: 'suppressed', reason: 'no_lawful_basis' });
    const [row] = await t.db.query(`SELECT status, status_reason FROM email_messages WHERE id = $1`, [refused.messageId]);
    expect(row).toEqual({ status: 'suppressed', status_reason: 'no_lawful_basis' });

    await createLead(t, { email: 'geen-basis@example.be', consent: { status: 'granted', basis: 'legitimate_interest', source: 'crm-import' } });
    expect(await email.sendToLead(leadId, templateId, 'basis:2')).toMatchObject({ status: 'queued' });
    const mail = await eventually(async () => sink.to('geen-basis@example.be')[0], 20_000);
    expect(mail.parsed.subject).toBe('Bedankt voor je download, Gert');
    expect(sink.to('geen-basis@example.be')).toHaveLength(1);
  });

  it('sends one email for one idempotency key, however often it is asked', async () => {
    const leadId = await createLead(t, { email: 'twice@example.be', firstName: 'Tom' });
    const first = await email.sendToLead(leadId, templateId, 'welcome:twice');
    const again = await email.sendToLead(leadId, templateId, 'welcome:twice');
    expect(again).toEqual({ messageId: first.messageId, status: 'duplicate' });
    await eventually(async () => sink.to('twice@example.be')[0], 20_000);
    await eventually(async () => (await t.db.query(`SELECT status FROM email_messages WHERE id = $1`, [first.messageId]))[0].status === 'sent', 20_000);
    expect(sink.to('twice@example.be')).toHaveLength(1);
  });
});
