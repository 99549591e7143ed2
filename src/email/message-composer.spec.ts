import { loadConfig } from '../config/app-config.js';
import type { PendingMessage } from './email-message.types.js';
import { MessageComposer } from './message-composer.service.js';
import type { MessageRenderer, RenderedMessage } from './message-renderer.service.js';
import { MailTransport, type OutgoingMail, type SentMail } from './transport/mail-transport.js';

const HTML = `<html><body><p>Dag Anna, één tip voor jou.</p><a href="https://t.example.be/t/c/x">Lees</a></body></html>`;
const TEXT = 'Dag Anna, één tip voor jou.\nLees: https://t.example.be/t/c/x';

/** Renders fixed content: composing is what is under test here, not rendering. */
const renderer = {
  render: async (): Promise<RenderedMessage> => ({
    subject: 'Eén tip',
    html: HTML,
    text: TEXT,
    links: [{ index: 0, url: 'https://example.be/tip' }],
    locale: 'nl',
    unsubscribeUrl: 'https://t.example.be/u/token',
    unsubscribeToken: 'token',
  }),
} as unknown as MessageRenderer;

class Transport extends MailTransport {
  readonly kind = 'smtp' as const;
  constructor(readonly keepsReadableParts: boolean) {
    super();
  }
  async send(_mail: OutgoingMail): Promise<SentMail> {
    return { response: '250 ok' };
  }
  async verify(): Promise<void> {}
}

const message = {
  id: '0193a1f4-7c2e-7000-8000-000000000001',
  kind: 'nurture',
  lead: { email: 'anna@example.be' },
} as unknown as PendingMessage;

describe('MessageComposer', () => {
  const config = loadConfig({ MAIL_FROM: 'Studio Noord <tips@studio-noord.example.be>' });

  it('gives an SMTP transport the message bytes only, with the HTML and text inside them', async () => {
    const email = await new MessageComposer(renderer, config, new Transport(false)).compose(message, new Date('2026-03-02T10:00:00Z'));
    expect(email.mail.readable).toBeUndefined();
    const raw = email.mail.raw.toString('latin1');
    expect(raw).toContain('Content-Type: text/html; charset=utf-8');
    expect(raw).toContain('&#233;&#233;n tip voor jou'); // the HTML part, 7-bit
    expect(raw).toContain('=C3=A9=C3=A9n tip voor jou'); // the text part, quoted-printable
    expect(email.mail.envelope).toEqual({ from: 'tips@studio-noord.example.be', to: 'anna@example.be' });
    expect(email.record.links).toEqual([{ index: 0, url: 'https://example.be/tip' }]);
  });

  it('keeps what a person reads for a transport that stores it (the development mailbox)', async () => {
    const email = await new MessageComposer(renderer, config, new Transport(true)).compose(message, new Date('2026-03-02T10:00:00Z'));
    expect(email.mail.readable).toEqual({ html: HTML, text: TEXT });
    expect(email.mail.subject).toBe('Eén tip');
  });
});
