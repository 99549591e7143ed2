import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError, ErrorCode } from '../common/domain-error.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';

export interface MailboxEntry {
  id: string;
  to: string;
  from: string;
  subject: string;
  receivedAt: Date;
}

const LIST_LIMIT = 200;

/** A mailbox row is a copy of an email to a lead that has since been erased (GDPR). */
const OF_ERASED_LEAD = `EXISTS (SELECT 1 FROM email_messages e JOIN leads l ON l.id = e.lead_id WHERE e.id = d.message_id AND l.erased_at IS NOT NULL)`;

/**
 * Reads the development mailbox. It does not exist in production: every read answers 404 there.
 * Copies of emails to erased leads are never shown: erasure deletes them, and waits for a send in flight, but a
 * send that outlasted that wait could still store one afterwards; such a copy is deleted when the mailbox is listed
 * and is unknown (404) when opened.
 */
@Injectable()
export class DevMailboxService {
  constructor(
    private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async list(): Promise<MailboxEntry[]> {
    this.assertAvailable();
    await this.db.query(`DELETE FROM dev_mailbox d WHERE d.message_id IS NOT NULL AND ${OF_ERASED_LEAD}`);
    const rows: { id: string; to_address: string; from_address: string; subject: string; created_at: Date }[] = await this.db.query(
      `SELECT id, to_address, from_address, subject, created_at FROM dev_mailbox ORDER BY created_at DESC, id DESC LIMIT ${LIST_LIMIT}`,
    );
    return rows.map((r) => ({ id: r.id, to: r.to_address, from: r.from_address, subject: r.subject, receivedAt: r.created_at }));
  }

  async html(id: string): Promise<string> {
    return (await this.read(id, 'html')) as string;
  }

  /** The plain-text part, as generated from the HTML and sent beside it. */
  async text(id: string): Promise<string> {
    return (await this.read(id, 'text')) as string;
  }

  async source(id: string): Promise<string> {
    return (await this.read(id, 'raw')) as string;
  }

  private async read(id: string, column: 'html' | 'text' | 'raw'): Promise<string> {
    this.assertAvailable();
    const [row] = await this.db.query(`SELECT ${column} AS content FROM dev_mailbox d WHERE d.id = $1 AND NOT ${OF_ERASED_LEAD}`, [id]);
    if (!row) throw DomainError.notFound('Mailbox message', id);
    return row.content;
  }

  private assertAvailable(): void {
    if (this.config.production) throw new DomainError(ErrorCode.NotFound, 'There is no development mailbox in production.');
  }
}
