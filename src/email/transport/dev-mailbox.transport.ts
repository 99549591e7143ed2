import type { DataSource } from 'typeorm';
import { MailTransport, type OutgoingMail, type SentMail } from './mail-transport.js';

/**
 * The development mailbox: with no SMTP_URL, email is stored in PostgreSQL (raw MIME and what a person
 * reads) so every process shares one mailbox, and a developer opens it at /dev/mailbox.
 */
export class DevMailboxTransport extends MailTransport {
  readonly kind = 'dev-mailbox' as const;
  readonly keepsReadableParts = true;

  constructor(private readonly db: DataSource) {
    super();
  }

  async send(mail: OutgoingMail): Promise<SentMail> {
    const [row] = await this.db.query(
      `INSERT INTO dev_mailbox (message_id, to_address, from_address, subject, html, text, raw)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [mail.messageId, mail.envelope.to, mail.envelope.from, mail.subject, mail.readable?.html ?? '', mail.readable?.text ?? '', mail.raw.toString('latin1')],
    );
    return { response: `250 stored in the development mailbox as ${row.id}` };
  }

  async verify(): Promise<void> {
    await this.db.query('SELECT 1 FROM dev_mailbox LIMIT 1');
  }
}
