import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DomainError } from '../common/domain-error.js';
import type { TrackedLink } from './domain/link-tracking.js';
import type { PendingMessage } from './email-message.types.js';
import { MessageRenderer } from './message-renderer.service.js';
import { isSendableAddress } from './recipient-address.js';
import { DkimSigner } from './mime/dkim-signer.js';
import { formatAddress } from './mime/mime-headers.js';
import { composeMessage, serializeMessage } from './mime/mime-message.js';
import { MailTransport, type OutgoingMail } from './transport/mail-transport.js';

export interface ComposedEmail {
  mail: OutgoingMail;
  /** The Message-ID header (with angle brackets), recorded when sent. */
  messageIdHeader: string;
  /** What the row keeps: recipient, subject, locale and the original URL of each tracked link. */
  record: { to: string; subject: string; locale: string; links: TrackedLink[] };
}

/**
 * Turns a queued message into the bytes that go over SMTP: rendered for its lead, then a MIME message
 * (headers formatted once per process; per send the text quoted-printable, the HTML 7-bit with non-ASCII
 * characters as numeric references, or quoted-printable where that cannot be done), DKIM-signed when configured.
 */
@Injectable()
export class MessageComposer {
  private readonly from: string;
  private readonly domain: string;
  private readonly signer: DkimSigner | null;

  constructor(
    private readonly renderer: MessageRenderer,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly transport: MailTransport,
  ) {
    const { from, dkim } = config.email;
    this.from = formatAddress(from.name, from.address);
    this.domain = dkim?.domain ?? from.address.slice(from.address.lastIndexOf('@') + 1);
    this.signer = dkim ? new DkimSigner(dkim) : null;
  }

  async compose(message: PendingMessage, now: Date): Promise<ComposedEmail> {
    const to = message.kind === 'test' ? message.toAddress : message.lead?.email;
    if (!isSendableAddress(to)) {
      throw DomainError.invalidField('to', `"${to ?? ''}" cannot be used as a recipient address`);
    }
    const rendered = await this.renderer.render(message);
    const messageId = `${message.id}@${this.domain}`;
    const composed = composeMessage({
      messageId,
      date: now,
      from: this.from,
      to,
      subject: rendered.subject,
      listUnsubscribe: {
        url: rendered.unsubscribeUrl,
        mailto: `mailto:${this.config.email.unsubscribeMailto}?subject=unsubscribe%3A${rendered.unsubscribeToken}`,
      },
      text: rendered.text,
      html: rendered.html,
      sevenBitHtml: true,
    });
    const signature = this.signer ? [await this.signer.sign(composed.headers, composed.body)] : [];
    return {
      mail: {
        messageId: message.id,
        envelope: { from: this.config.email.from.address, to },
        raw: serializeMessage(composed, signature),
        messageIdHeader: `<${messageId}>`,
        subject: rendered.subject,
        ...(this.transport.keepsReadableParts && { readable: { html: rendered.html, text: rendered.text } }),
      },
      messageIdHeader: `<${messageId}>`,
      record: { to, subject: rendered.subject, locale: rendered.locale, links: rendered.links },
    };
  }
}
