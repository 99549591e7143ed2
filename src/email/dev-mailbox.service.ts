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

/** Reads the development mailbox. It does not exist in production: every read answers 404 there. */
@Injectable()
export class DevMailboxService {
  constructor(
    private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async list(): Promise<MailboxEntry[]> {
    this.assertAvailable();
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
    const [row] = await this.db.query(`SELECT ${column} AS content FROM dev_mailbox WHERE id = $1`, [id]);
    if (!row) throw DomainError.notFound('Mailbox message', id);
    return row.content;
  }

  private assertAvailable(): void {
    if (this.config.production) throw new DomainError(ErrorCode.NotFound, 'There is no development mailbox in production.');
  }
}
