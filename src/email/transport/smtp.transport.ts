import { OnApplicationShutdown } from '@nestjs/common';
import type { EmailConfig } from '../../config/app-config.js';
import { MailTransport, type OutgoingMail, type SentMail } from './mail-transport.js';
import { SmtpPool, smtpOptionsFromUrl } from './smtp-client.js';

/**
 * Pooled SMTP: a few long-lived connections per process (SMTP_MAX_CONNECTIONS), each carrying many
 * messages. Messages are already built and signed, so the client only speaks SMTP: the envelope commands
 * pipelined, the message written as it is (dot-stuffed where needed). The URL may carry credentials;
 * it is never logged.
 */
export class SmtpTransport extends MailTransport implements OnApplicationShutdown {
  readonly kind = 'smtp' as const;
  private readonly pool: SmtpPool;

  constructor(config: Pick<EmailConfig, 'smtpUrl' | 'smtpMaxConnections'>) {
    super();
    this.pool = new SmtpPool(smtpOptionsFromUrl(config.smtpUrl!, config.smtpMaxConnections));
  }

  async send(mail: OutgoingMail): Promise<SentMail> {
    return { response: await this.pool.send({ from: mail.envelope.from, to: mail.envelope.to }, mail.raw) };
  }

  async verify(): Promise<void> {
    await this.pool.verify();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.close();
  }
}
