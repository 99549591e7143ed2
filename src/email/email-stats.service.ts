import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError } from '../common/domain-error.js';
import { HELD_REASON, MESSAGE_STATUSES, type MessageKind, type MessageStatus } from './email-messages.repository.js';

export interface EmailStats {
  messages: Record<MessageStatus, number>;
  /** Messages whose worker died mid-send: maybe delivered, so never re-sent without a person deciding. */
  heldAfterCrash: number;
  hardBounces: number;
  oldestQueuedAt: string | null;
}

export interface EmailMessageView {
  id: string;
  kind: MessageKind;
  leadId: string | null;
  to: string | null;
  templateId: string | null;
  templateVersion: number | null;
  locale: string | null;
  status: MessageStatus;
  statusReason: string | null;
  attempts: number;
  lastError: string | null;
  subject: string | null;
  smtpMessageId: string | null;
  createdAt: string;
  sendingAt: string | null;
  sentAt: string | null;
  failedAt: string | null;
}

/** What operators look at: message counts by status, held messages, one message's delivery record. */
@Injectable()
export class EmailStatsService {
  constructor(private readonly db: DataSource) {}

  async stats(): Promise<EmailStats> {
    const rows: { status: MessageStatus; n: number; held_crash: number; bounces: number }[] = await this.db.query(
      `SELECT status, count(*)::int AS n,
              count(*) FILTER (WHERE status_reason = '${HELD_REASON}')::int AS held_crash,
              count(*) FILTER (WHERE status_reason = 'hard_bounce')::int AS bounces
       FROM email_messages GROUP BY status`,
    );
    const [oldest] = await this.db.query(`SELECT min(next_attempt_at) AS at FROM email_messages WHERE status = 'queued'`);
    const messages = Object.fromEntries(MESSAGE_STATUSES.map((s) => [s, 0])) as Record<MessageStatus, number>;
    for (const r of rows) messages[r.status] = r.n;
    return {
      messages,
      heldAfterCrash: rows.reduce((sum, r) => sum + r.held_crash, 0),
      hardBounces: rows.reduce((sum, r) => sum + r.bounces, 0),
      oldestQueuedAt: oldest?.at ? new Date(oldest.at).toISOString() : null,
    };
  }

  async message(id: string): Promise<EmailMessageView> {
    const [r] = await this.db.query(`SELECT * FROM email_messages WHERE id = $1`, [id]);
    if (!r) throw DomainError.notFound('Email message', id);
    const iso = (d: Date | null) => (d ? d.toISOString() : null);
    return {
      id: r.id,
      kind: r.kind,
      leadId: r.lead_id,
      to: r.to_address,
      templateId: r.template_id,
      templateVersion: r.template_version,
      locale: r.locale,
      status: r.status,
      statusReason: r.status_reason,
      attempts: r.attempts,
      lastError: r.last_error,
      subject: r.subject,
      smtpMessageId: r.smtp_message_id,
      createdAt: r.created_at.toISOString(),
      sendingAt: iso(r.sending_at),
      sentAt: iso(r.sent_at),
      failedAt: iso(r.failed_at),
    };
  }
}
