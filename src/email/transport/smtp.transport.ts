import { OnApplicationShutdown } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
import type { EmailConfig } from '../../config/app-config.js';
import { MailTransport, type OutgoingMail, type SentMail } from './mail-transport.js';

/**
 * Pooled SMTP through nodemailer: a few long-lived connections per process, each carrying many messages.
 * Messages are already built and signed, so nodemailer only speaks SMTP. The URL may carry credentials;
 * it is never logged.
 */
export class SmtpTransport extends MailTransport implements OnApplicationShutdown {
  readonly kind = 'smtp' as const;
  readonly keepsReadableParts = false;
  private readonly transporter: Transporter;

  constructor(config: Pick<EmailConfig, 'smtpUrl' | 'smtpMaxConnections'>) {
    super();
    this.transporter = createTransport({
      url: config.smtpUrl!,
      pool: true,
      maxConnections: config.smtpMaxConnections,
      maxMessages: 1000,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 60_000,
      logger: false,
      debug: false,
      disableFileAccess: true,
      disableUrlAccess: true,
    });
  }

  async send(mail: OutgoingMail): Promise<SentMail> {
    // The message goes as it is (`raw`); its Message-ID is given only so nodemailer does not generate a random
    // one for its own bookkeeping (five randomBytes calls per message). Nothing is added to the bytes sent.
    const info = await this.transporter.sendMail({
      envelope: { from: mail.envelope.from, to: [mail.envelope.to] },
      raw: mail.raw,
      messageId: mail.messageIdHeader,
    });
    return { response: String(info.response ?? '') };
  }

  async verify(): Promise<void> {
    await this.transporter.verify();
  }

  onApplicationShutdown(): void {
    this.transporter.close();
  }
}
