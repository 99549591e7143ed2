import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { TrackedLink } from './domain/link-tracking.js';
import { emailHashSql } from './email-hash.js';
import { leadSnapshotFromRow, type LeadSnapshot } from './template-data.js';

export type MessageStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'suppressed' | 'held';

/** A message this worker has just claimed for sending, with its lead and any reason not to mail them. */
export interface ClaimedMessage {
  id: string;
  kind: 'nurture' | 'test';
  toAddress: string | null;
  templateId: string;
  templateVersion: number;
  /** The locale asked for (test sends); nurture sends follow the lead. */
  locale: string | null;
  /** A subject set by the sender of a nurture email instead of the template's (may use Handlebars). */
  subjectOverride: string | null;
  attempts: number;
  leadId: string | null;
  lead: LeadSnapshot | null;
  consentStatus: string | null;
  suppressedReason: string | null;
}

/** Where the worker finds a cut-off send: 'sending' since before this moment. */
export const HELD_REASON = 'ambiguous_after_crash';

/**
 * The delivery state machine in SQL: queued → sending (claimed by exactly one worker) → sent | failed |
 * suppressed | queued again (temporary failure); sending for too long → held, never re-sent automatically.
 * Outcomes are recorded for 'held' messages too: if the worker that was thought dead reports back, its
 * outcome is the truth.
 */
@Injectable()
export class EmailMessagesRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Claims a queued message atomically, so a duplicate job or a second worker gets nothing. In the same
   * statement it reads the lead and looks the address up on the suppression list (checked right before sending).
   */
  async claim(id: string, now: Date): Promise<ClaimedMessage | null> {
    const rows: Record<string, any>[] = await this.db.query(
      `WITH claimed AS (
         UPDATE email_messages SET status = 'sending', sending_at = $2, attempts = attempts + 1
         WHERE id = $1 AND status = 'queued'
         RETURNING id, kind, lead_id, to_address, template_id, template_version, locale, subject, attempts
       )
       SELECT c.*, l.email, l.first_name, l.last_name, l.company, l.job_title, l.phone, l.locale AS lead_locale, l.timezone,
              l.stage, l.channel, l.engagement_score, l.fit_score, l.attributes, l.qualification, l.source, l.consent_status,
              (SELECT s.reason FROM suppressions s
                WHERE s.email_hash = ${emailHashSql("coalesce(l.email_normalized, c.to_address, '')")}) AS suppressed_reason
       FROM claimed c LEFT JOIN leads l ON l.id = c.lead_id`,
      [id, now.toISOString()],
    );
    const r = rows[0];
    if (!r) return null;
    const lead = r.email == null ? null : leadSnapshotFromRow({ ...r, locale: r.lead_locale });
    return {
      id: r.id,
      kind: r.kind,
      toAddress: r.to_address,
      templateId: r.template_id,
      templateVersion: r.template_version,
      locale: r.locale,
      subjectOverride: r.subject,
      attempts: r.attempts,
      leadId: r.lead_id,
      lead,
      consentStatus: r.consent_status ?? null,
      suppressedReason: r.suppressed_reason ?? null,
    };
  }

  /** What was rendered, stored before the email leaves so its tracked links resolve from the first click. */
  async recordRender(id: string, r: { to: string; subject: string; locale: string; links: TrackedLink[] }): Promise<void> {
    await this.db.query(`UPDATE email_messages SET to_address = $2, subject = $3, locale = $4, links = $5::jsonb WHERE id = $1`, [
      id,
      r.to,
      r.subject,
      r.locale,
      JSON.stringify(r.links),
    ]);
  }

  async markSent(id: string, now: Date, smtpMessageId: string): Promise<void> {
    await this.db.query(
      `UPDATE email_messages SET status = 'sent', sent_at = $2, smtp_message_id = $3, status_reason = NULL, last_error = NULL
       WHERE id = $1 AND status IN ('sending', 'held')`,
      [id, now.toISOString(), smtpMessageId],
    );
  }

  /** Back to the queue after a temporary failure, due again at `nextAttemptAt`. */
  async markRetry(id: string, nextAttemptAt: Date, error: string): Promise<void> {
    await this.db.query(
      `UPDATE email_messages SET status = 'queued', next_attempt_at = $2, last_error = $3, sending_at = NULL
       WHERE id = $1 AND status IN ('sending', 'held')`,
      [id, nextAttemptAt.toISOString(), error],
    );
  }

  /** Gives up; a hard bounce also puts the address on the suppression list, in the same transaction. */
  async markFailed(id: string, now: Date, reason: string, error: string, suppress?: { email: string; leadId: string | null }): Promise<void> {
    await this.db.transaction(async (m) => {
      await m.query(
        `UPDATE email_messages SET status = 'failed', failed_at = $2, status_reason = $3, last_error = $4
         WHERE id = $1 AND status IN ('sending', 'held')`,
        [id, now.toISOString(), reason, error],
      );
      if (suppress) {
        await m.query(
          `INSERT INTO suppressions (email_hash, lead_id, reason, source, created_at)
           VALUES (${emailHashSql('$1::text')}, $2, 'hard_bounce', $3, $4) ON CONFLICT (email_hash) DO NOTHING`,
          [suppress.email, suppress.leadId, `smtp:${id}`, now.toISOString()],
        );
      }
    });
  }

  async markSuppressed(id: string, reason: string): Promise<void> {
    await this.db.query(`UPDATE email_messages SET status = 'suppressed', status_reason = $2 WHERE id = $1 AND status = 'sending'`, [id, reason]);
  }

  /** Messages claimed before `before` and never finished: their worker died, maybe after the server accepted them. */
  async holdStuck(before: Date): Promise<string[]> {
    const rows: { id: string }[] = await this.db.query(
      `WITH held AS (
         UPDATE email_messages SET status = 'held', status_reason = '${HELD_REASON}'
         WHERE status = 'sending' AND sending_at < $1
         RETURNING id
       ) SELECT id FROM held`,
      [before.toISOString()],
    );
    return rows.map((r) => r.id);
  }

  /** Queued messages that were due before `before` (their job should have run by now), oldest first. */
  async overdue(before: Date, limit: number): Promise<{ id: string; attempts: number }[]> {
    return this.db.query(
      `SELECT id, attempts FROM email_messages
       WHERE status = 'queued' AND next_attempt_at < $1
       ORDER BY next_attempt_at LIMIT $2`,
      [before.toISOString(), limit],
    );
  }

  /** The attempt number of each id that is still queued (the others need no job). */
  async queuedAttempts(ids: string[]): Promise<{ id: string; attempts: number }[]> {
    if (!ids.length) return [];
    return this.db.query(`SELECT id, attempts FROM email_messages WHERE id = ANY($1::uuid[]) AND status = 'queued'`, [ids]);
  }

  /** Puts a held message back in the queue (an operator checked it did not arrive). */
  async release(id: string, now: Date): Promise<boolean> {
    const rows = await this.db.query(
      `WITH r AS (
         UPDATE email_messages SET status = 'queued', status_reason = NULL, sending_at = NULL, next_attempt_at = $2
         WHERE id = $1 AND status = 'held' RETURNING id
       ) SELECT id FROM r`,
      [id, now.toISOString()],
    );
    return rows.length > 0;
  }
}
