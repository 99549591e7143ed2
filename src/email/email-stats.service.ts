import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError } from '../common/domain-error.js';
import { decodeCursor, type Page, pageOf } from '../common/pagination.js';
import { SqlParams } from '../common/sql-params.js';
import type { ListMessagesQuery } from './dto/list-messages.query.js';
import { HELD_REASON, MESSAGE_STATUSES, type MessageKind, type MessageStatus } from './email-message.types.js';

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
  /** The enrollment and program step that sent it (nurture emails of a program). */
  enrollmentId: string | null;
  stepId: string | null;
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

/** What operators look at: message counts by status, messages by status, lead or program, one message's delivery record. */
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
    const [r]: MessageRow[] = await this.db.query(`SELECT ${MESSAGE_COLUMNS} FROM email_messages m WHERE m.id = $1`, [id]);
    if (!r) throw DomainError.notFound('Email message', id);
    return messageView(r);
  }

  /** Messages newest first, by status (held ones to release, failed ones to look into), lead or program. */
  async list(q: ListMessagesQuery): Promise<Page<EmailMessageView>> {
    const { sql, values } = listMessagesSql(q);
    const rows: (MessageRow & { cursor_at: string })[] = await this.db.query(sql, values);
    const page = pageOf(rows, q.limit ?? 50, (r) => [r.cursor_at, r.id]);
    return { items: page.items.map(messageView), nextCursor: page.nextCursor };
  }
}

/**
 * A page of messages (one more than the limit), newest first. Held, failed, suppressed and cancelled messages are
 * found through email_messages_attention, queued and sending ones through email_messages_status, a lead's through
 * email_messages_lead_sent, a program's through its enrollments. The cursor keeps created_at to the microsecond.
 */
export function listMessagesSql(q: ListMessagesQuery): { sql: string; values: unknown[] } {
  const after = decodeCursor(q.cursor, ['timestamp', 'uuid']);
  const p = new SqlParams();
  const where: string[] = [];
  if (q.status) where.push(`m.status = ${p.add(q.status)}`);
  // Only nurture emails have a lead (and kind = 'nurture' lets the planner use the lead's partial index).
  if (q.leadId) where.push(`m.kind = 'nurture' AND m.lead_id = ${p.add(q.leadId, '::uuid')}`);
  if (q.programId) where.push(`m.enrollment_id IN (SELECT id FROM enrollments WHERE program_id = ${p.add(q.programId, '::uuid')})`);
  if (after) where.push(`(m.created_at, m.id) < (${p.add(after[0], '::timestamptz')}, ${p.add(after[1], '::uuid')})`);
  const sql = `SELECT ${MESSAGE_COLUMNS}, to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at
      FROM email_messages m ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY m.created_at DESC, m.id DESC LIMIT ${p.add((q.limit ?? 50) + 1, '::int')}`;
  return { sql, values: p.values };
}

/**
 * What an operator sees of a message: never its tracked links, idempotency key or the recipient's tokens. `to` is
 * the address it went to (test sends, and nurture emails once sent).
 */
const MESSAGE_COLUMNS = `m.id, m.kind, m.lead_id, m.to_address, m.template_id, m.template_version, m.locale, m.enrollment_id, m.step_id, m.status,
  m.status_reason, m.attempts, m.last_error, m.subject, m.smtp_message_id, m.created_at, m.sending_at, m.sent_at, m.failed_at`;

interface MessageRow {
  id: string;
  kind: MessageKind;
  lead_id: string | null;
  to_address: string | null;
  template_id: string | null;
  template_version: number | null;
  locale: string | null;
  enrollment_id: string | null;
  step_id: string | null;
  status: MessageStatus;
  status_reason: string | null;
  attempts: number;
  last_error: string | null;
  subject: string | null;
  smtp_message_id: string | null;
  created_at: Date;
  sending_at: Date | null;
  sent_at: Date | null;
  failed_at: Date | null;
}

function messageView(r: MessageRow): EmailMessageView {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    id: r.id,
    kind: r.kind,
    leadId: r.lead_id,
    to: r.to_address,
    templateId: r.template_id,
    templateVersion: r.template_version,
    locale: r.locale,
    enrollmentId: r.enrollment_id,
    stepId: r.step_id,
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
