import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { emailHashSql } from '../suppression/email-hash.js';
import { sendBlockSql } from '../suppression/lawful-basis.js';
import { Batcher } from '../common/batcher.js';
import { preparedPoolQuery } from '../infra/database/prepared-query.js';
import { Clock } from '../common/clock.js';
import { LeadActivityHub } from '../lifecycle/lead-activity.js';
import { intentParams, leadIntentSql } from '../scoring/lead-intent.js';
import { ScoringModelService } from '../scoring/scoring-model.service.js';
import { endedEnrollmentSql, type ClaimResult, type PendingMessage, type RenderRecord } from './email-message.types.js';
import { leadSnapshotFromRow } from './template-data.js';

interface ClaimRequest {
  id: string;
  at: string;
  recipientHash: string;
  render: RenderRecord | null;
}

/**
 * How long a 'sent' write waits for those of other sends finishing soon after (ms): at a few hundred sends a
 * second, one statement per ~10 messages instead of one per ~2. The message stays 'sending' that much longer.
 */
const SENT_LINGER_MS = 25;

/**
 * The delivery state machine in SQL: queued → sending (claimed by exactly one worker) or suppressed / cancelled;
 * sending → sent | failed | queued again (temporary failure). Outcomes are recorded for 'held' messages too
 * (see HeldMessagesRepository): if the worker that was thought dead reports back, its outcome is the truth.
 */
@Injectable()
export class EmailDeliveryRepository {
  private readonly loads = new Batcher((ids: string[]) => this.loadMany(ids));
  private readonly claims = new Batcher((requests: ClaimRequest[]) => this.claimMany(requests));
  // Sends finish one at a time (one per SMTP reply): their 'sent' writes wait a little for each other.
  private readonly sends = new Batcher((sent: { id: string; at: string; smtpMessageId: string }[]) => this.markSentMany(sent), 100, 2, SENT_LINGER_MS);

  constructor(
    private readonly db: DataSource,
    private readonly models: ScoringModelService,
    private readonly clock: Clock,
    private readonly activity: LeadActivityHub,
  ) {}

  /**
   * Reads a queued message and its lead (null when it is no longer queued). Nothing is locked: see
   * {@link claim}. Reads of deliveries in flight at the same moment share one query.
   */
  load(id: string): Promise<PendingMessage | null> {
    return this.loads.submit(id);
  }

  private async loadMany(ids: string[]): Promise<(PendingMessage | null)[]> {
    const intent = intentParams((await this.models.currentForRead()).definition, this.clock.now());
    const rows: Record<string, any>[] = await preparedPoolQuery(
      this.db,
      `SELECT e.id, e.kind, e.lead_id, e.to_address, e.template_id, e.template_version, e.locale, e.subject_override, e.attempts,
              l.email, l.first_name, l.last_name, l.company, l.job_title, l.phone, l.locale AS lead_locale, l.timezone,
              l.stage, l.channel, l.engagement_score, l.fit_score, l.attributes, l.qualification, l.source, l.consent_status,
              ${leadIntentSql('l.id', { high: '$2', medium: '$3', since: '$4' })} AS intent,
              (SELECT s.reason FROM suppressions s
                WHERE s.email_hash = ${emailHashSql("coalesce(l.email_normalized, e.to_address, '')")}) AS suppressed_reason,
              ${endedEnrollmentSql('en')} AS enrollment_ended
       FROM email_messages e LEFT JOIN leads l ON l.id = e.lead_id LEFT JOIN enrollments en ON en.id = e.enrollment_id
       WHERE e.id = ANY($1::uuid[]) AND e.status = 'queued'`,
      [[...new Set(ids)], intent.high, intent.medium, intent.since],
    );
    const byId = new Map(rows.map((r) => [r.id as string, r]));
    return ids.map((id) => {
      const r = byId.get(id);
      if (!r) return null;
      return {
        id: r.id,
        kind: r.kind,
        toAddress: r.to_address,
        templateId: r.template_id,
        templateVersion: r.template_version,
        locale: r.locale,
        subjectOverride: r.subject_override,
        attempts: r.attempts,
        leadId: r.lead_id,
        lead: r.email == null ? null : leadSnapshotFromRow({ ...r, locale: r.lead_locale }),
        consentStatus: r.consent_status ?? null,
        suppressedReason: r.suppressed_reason ?? null,
        enrollmentEnded: r.enrollment_ended ?? null,
      };
    });
  }

  /**
   * Claims a queued message (queued → sending) in one statement, so a duplicate job or a second worker gets
   * nothing, and a crash before this point leaves it queued. The same statement checks, right before sending,
   * the suppression list for the recipient (`recipientHash`), the lead's consent, that the lead still
   * exists and that it was not disqualified (never nurtured again), and stores what was rendered. A message that must
   * not be sent to its lead becomes 'suppressed' instead; a nurture email whose enrollment ended early (goal met,
   * archived, unenrolled, any other exit: {@link endedEnrollmentSql}) becomes 'cancelled', with that reason. Either
   * keeps nothing of the render (its lead may have been erased since it was rendered). An enrollment that ends in a
   * transaction committing after this statement read it ends after the send began: the email goes out.
   * Claims of deliveries in flight at the same moment share one statement (one round trip instead of one
   * per email); each row is still decided on its own, and if one id is asked for twice in the same batch
   * only the first caller gets it.
   */
  claim(id: string, now: Date, recipientHash: string, render: RenderRecord | null): Promise<ClaimResult> {
    return this.claims.submit({ id, at: now.toISOString(), recipientHash, render });
  }

  private async claimMany(requests: ClaimRequest[]): Promise<ClaimResult[]> {
    const first = new Map<string, number>();
    requests.forEach((r, i) => {
      if (!first.has(r.id.toLowerCase())) first.set(r.id.toLowerCase(), i);
    });
    // In id order, so two workers whose batches overlap (duplicate jobs) lock the rows in the same order.
    const unique = [...first.values()].map((i) => requests[i]).sort((a, b) => (a.id.toLowerCase() < b.id.toLowerCase() ? -1 : 1));
    const rows: { id: string; status: 'sending' | 'suppressed' | 'cancelled'; status_reason: string | null; attempts: number }[] = await preparedPoolQuery(
      this.db,
      `WITH input AS (
         SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
           AS i(id, at, recipient_hash, to_address, subject, locale, links)
       ), decision AS (
         -- Not to this lead (suppressed) before not from this enrollment (cancelled): the stronger reason is kept.
         SELECT e.id, i.at, i.to_address, i.subject, i.locale, i.links::jsonb AS links, coalesce(b.reason, x.reason) AS reason,
                CASE WHEN b.reason IS NOT NULL THEN 'suppressed' WHEN x.reason IS NOT NULL THEN 'cancelled' ELSE 'sending' END AS status
         FROM input i JOIN email_messages e ON e.id = i.id LEFT JOIN leads l ON l.id = e.lead_id
         LEFT JOIN suppressions s ON s.email_hash = i.recipient_hash
         LEFT JOIN enrollments en ON en.id = e.enrollment_id
         CROSS JOIN LATERAL (SELECT CASE
                  WHEN e.kind = 'nurture' AND l.id IS NULL THEN 'lead_erased'
                  WHEN e.kind = 'nurture' AND l.stage = 'disqualified' THEN 'disqualified'
                  WHEN e.kind = 'nurture' THEN ${sendBlockSql('l.consent_status', 's.reason')}
                  ELSE s.reason
                END AS reason) b
         CROSS JOIN LATERAL (SELECT ${endedEnrollmentSql('en')} AS reason) x
       ), claimed AS (
         UPDATE email_messages e SET
           status = d.status,
           status_reason = d.reason,
           sending_at = CASE WHEN d.reason IS NULL THEN d.at ELSE e.sending_at END,
           attempts = e.attempts + CASE WHEN d.reason IS NULL THEN 1 ELSE 0 END,
           -- What was rendered is kept only for a message that goes out: one refused here may be refused because its
           -- lead was erased after the render, which must not bring the address, subject and links back.
           to_address = CASE WHEN d.reason IS NULL THEN coalesce(d.to_address, e.to_address) ELSE e.to_address END,
           subject = CASE WHEN d.reason IS NULL THEN coalesce(d.subject, e.subject) ELSE e.subject END,
           locale = CASE WHEN d.reason IS NULL THEN coalesce(d.locale, e.locale) ELSE e.locale END,
           links = CASE WHEN d.reason IS NULL THEN coalesce(d.links, e.links) ELSE e.links END
         FROM decision d
         WHERE e.id = d.id AND e.status = 'queued'
         RETURNING e.id, e.status, e.status_reason, e.attempts
       ) SELECT * FROM claimed`,
      [
        unique.map((r) => r.id),
        unique.map((r) => r.at),
        unique.map((r) => r.recipientHash),
        unique.map((r) => r.render?.to ?? null),
        unique.map((r) => r.render?.subject ?? null),
        unique.map((r) => r.render?.locale ?? null),
        unique.map((r) => (r.render ? JSON.stringify(r.render.links) : null)),
      ],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    return requests.map((request, i): ClaimResult => {
      const id = request.id.toLowerCase();
      const r = first.get(id) === i ? byId.get(id) : undefined;
      if (!r) return null;
      return r.status === 'sending' ? { status: 'sending', attempts: r.attempts } : { status: r.status, reason: r.status_reason ?? r.status };
    });
  }

  /** Records a message as sent; the outcomes of deliveries finishing at the same moment share one statement. */
  markSent(id: string, now: Date, smtpMessageId: string): Promise<void> {
    return this.sends.submit({ id, at: now.toISOString(), smtpMessageId });
  }

  private async markSentMany(sent: { id: string; at: string; smtpMessageId: string }[]): Promise<void[]> {
    await preparedPoolQuery(
      this.db,
      `UPDATE email_messages e SET status = 'sent', sent_at = s.at, smtp_message_id = s.mid, status_reason = NULL, last_error = NULL
       FROM unnest($1::uuid[], $2::timestamptz[], $3::text[]) AS s(id, at, mid)
       WHERE e.id = s.id AND e.status IN ('sending', 'held')`,
      [sent.map((s) => s.id), sent.map((s) => s.at), sent.map((s) => s.smtpMessageId)],
    );
    return sent.map(() => undefined);
  }

  /** Back to the queue after a temporary failure, due again at `nextAttemptAt`. */
  async markRetry(id: string, nextAttemptAt: Date, error: string): Promise<void> {
    await this.db.query(
      `UPDATE email_messages SET status = 'queued', next_attempt_at = $2, last_error = $3, sending_at = NULL
       WHERE id = $1 AND status IN ('sending', 'held')`,
      [id, nextAttemptAt.toISOString(), error],
    );
  }

  /**
   * Gives up (also on a queued message that cannot be rendered); a hard bounce also suppresses the address, in the
   * same transaction, and the lead's nurture enrollments end now (LeadActivityHub.unmailable). `failed`, when
   * given, runs in that transaction too, only if this call is the one that failed the message (once per message).
   */
  async markFailed(
    id: string,
    now: Date,
    reason: string,
    error: string,
    suppress?: { email: string; leadId: string | null },
    failed?: (m: EntityManager) => Promise<unknown>,
  ): Promise<void> {
    await this.db.transaction(async (m) => {
      const changed: { id: string }[] = await m.query(
        `UPDATE email_messages SET status = 'failed', failed_at = $2, status_reason = $3, last_error = $4
         WHERE id = $1 AND status IN ('queued', 'sending', 'held') RETURNING id`,
        [id, now.toISOString(), reason, error],
      );
      if (changed.length && failed) await failed(m);
      if (suppress) {
        await m.query(
          `INSERT INTO suppressions (email_hash, lead_id, reason, source, created_at)
           VALUES (${emailHashSql('$1::text')}, $2, 'hard_bounce', $3, $4) ON CONFLICT (email_hash) DO NOTHING`,
          [suppress.email, suppress.leadId, `smtp:${id}`, now.toISOString()],
        );
        if (suppress.leadId) await this.activity.unmailable(m, [suppress.leadId], now);
      }
    });
  }
}
