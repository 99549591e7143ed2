import { Inject, Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { closePendingHandoffs } from '../handoffs/handoff-closing.js';
import { LeadActivityHub } from '../lifecycle/lead-activity.js';
import { emailHash } from '../suppression/email-hash.js';
import { sendBlockSql } from '../suppression/lawful-basis.js';
import { LinkCacheBus } from '../tracking/link-cache-bus.js';
import { anonymousEventPropertiesSql } from './anonymous-event-properties.js';

/**
 * GDPR erasure: every piece of personal data about the lead goes — profile, event properties (an
 * unsubscribe keeps the ids of the program step it came from, see anonymousEventPropertiesSql),
 * email addresses and copies, interaction details, hand-off snapshots, webhook payloads — while
 * the anonymous skeleton stays (stage history, event types and times, points, sends), so funnels
 * and program statistics still add up. A salted hash of the address (see email-hash.ts) stays on the suppression list so it
 * is never mailed again. Idempotent; recorded in the audit log without personal data. A hand-off still waiting for
 * sales is closed (rejected, reason other, by gdpr-erasure, closeReason erased) and announced as `handoff.closed`
 * (ids only); sales can no longer answer or reassign the lead's hand-offs.
 *
 * Its emails still queued are suppressed in the same transaction, so a delivery that read and rendered one
 * before cannot claim it afterwards (nor write the rendered address back). One already being sent cannot be
 * stopped: with the development mailbox as transport, erasure waits (up to {@link IN_FLIGHT_WAIT_MS}) for it to
 * be stored and deletes that copy too, so no copy of the lead's email outlives the 204.
 */
/** How long an erasure waits for emails being sent at that moment to reach the development mailbox (ms). */
const IN_FLIGHT_WAIT_MS = 5000;
const IN_FLIGHT_POLL_MS = 20;
/** Who erasure records as having closed a lead's pending hand-off. */
const ERASURE_ACTOR = 'gdpr-erasure';

@Injectable()
export class LeadErasureService {
  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock,
    private readonly linkCache: LinkCacheBus,
    private readonly activity: LeadActivityHub,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async erase(leadId: string, actor: string): Promise<{ erased: boolean }> {
    const { erased, sending } = await this.eraseRows(leadId, actor);
    // Its emails' links are blanked now: no API process may keep redirecting to them from memory.
    if (erased) await this.linkCache.forgetEverywhere();
    if (sending.length && !this.config.email.smtpUrl) await this.deleteMailboxCopiesOf(sending);
    return { erased };
  }

  /**
   * Waits until the emails that were being sent when the lead was erased have left 'sending' (the development
   * mailbox stores its copy before the send is recorded), then deletes their copies from the mailbox.
   */
  private async deleteMailboxCopiesOf(messageIds: string[]): Promise<void> {
    const deadline = Date.now() + IN_FLIGHT_WAIT_MS;
    while (Date.now() < deadline) {
      const [{ n }]: { n: number }[] = await this.db.query(`SELECT count(*)::int AS n FROM email_messages WHERE id = ANY($1::uuid[]) AND status = 'sending'`, [messageIds]);
      if (n === 0) break;
      await sleep(IN_FLIGHT_POLL_MS);
    }
    await this.db.query(`DELETE FROM dev_mailbox WHERE message_id = ANY($1::uuid[])`, [messageIds]);
  }

  private eraseRows(leadId: string, actor: string): Promise<{ erased: boolean; sending: string[] }> {
    const at = this.clock.now();
    const now = at.toISOString();
    return this.db.transaction(async (m) => {
      const [lead]: { id: string; email: string; erased_at: Date | null }[] = await m.query(
        `SELECT id, email, erased_at FROM leads WHERE id = $1 FOR UPDATE`,
        [leadId],
      );
      if (!lead) throw DomainError.notFound('Lead', leadId);
      if (lead.erased_at) return { erased: false, sending: [] };
      const hash = emailHash(lead.email);
      await m.query(
        `INSERT INTO suppressions (email_hash, lead_id, reason, source, created_at, erased_at) VALUES ($1, NULL, 'erased', 'gdpr-erasure', $2, $2)
         ON CONFLICT (email_hash) DO UPDATE SET lead_id = NULL, erased_at = EXCLUDED.erased_at`,
        [hash, now],
      );
      // Its queued emails are refused now, with the reason a claim would give: a delivery that has already read one
      // finds nothing to claim (a claim waiting for these rows re-checks the status), so it neither sends it nor
      // writes the address it rendered back onto the row.
      await m.query(
        `UPDATE email_messages SET status = 'suppressed',
                status_reason = (SELECT ${sendBlockSql(`'withdrawn'`, 's.reason')} FROM suppressions s WHERE s.email_hash = $2)
          WHERE lead_id = $1 AND status = 'queued'`,
        [leadId, hash],
      );
      // The emails already being sent (a claim that was committing meanwhile is seen now: this is a new statement).
      const sending: { id: string }[] = await m.query(`SELECT id FROM email_messages WHERE lead_id = $1 AND status = 'sending'`, [leadId]);
      // Its enrollments end as any unmailable lead's do (reason erased, unless the address was listed before, see sendBlock),
      // while the address that the list entry is found by is still on the lead.
      await this.activity.unmailable(m, [leadId], at);
      await this.scrub(m, leadId, lead.email, now);
      await m.query(
        `INSERT INTO audit_log (action, subject_type, subject_id, actor, detail, at) VALUES ('lead.erased', 'lead', $1, $2, '{}', $3)`,
        [leadId, actor, now],
      );
      await m.query(`UPDATE leads SET erased_at = $2, updated_at = $2 WHERE id = $1`, [leadId, now]);
      return { erased: true, sending: sending.map((r) => r.id) };
    });
  }

  private async scrub(m: EntityManager, leadId: string, email: string, now: string): Promise<void> {
    const anonymous = `erased-${leadId}@erased.invalid`;
    const statements: [string, unknown[]][] = [
      [
        `UPDATE leads SET email = $2, email_normalized = $2, first_name = NULL, last_name = NULL, company = NULL, job_title = NULL,
                phone = NULL, locale = NULL, timezone = NULL, qualification = '{}', attributes = '{}', fit_contributions = '[]',
                consent_status = 'withdrawn'
          WHERE id = $1`,
        [leadId, anonymous],
      ],
      [`UPDATE consents SET text = NULL, source = NULL WHERE lead_id = $1`, [leadId]],
      [`UPDATE events e SET properties = ${anonymousEventPropertiesSql('e')}, idempotency_key = NULL WHERE lead_id = $1`, [leadId]],
      [`DELETE FROM dev_mailbox WHERE message_id IN (SELECT id FROM email_messages WHERE lead_id = $1) OR lower(to_address) = lower($2)`, [leadId, email]],
      [`UPDATE email_messages SET to_address = NULL, subject = NULL, links = '[]', last_error = NULL WHERE lead_id = $1`, [leadId]],
      [`UPDATE email_interactions SET url = NULL, user_agent = NULL, ip = NULL WHERE lead_id = $1`, [leadId]],
      [`UPDATE email_bounces SET reason = NULL WHERE lead_id = $1`, [leadId]],
      [`UPDATE suppression_lifts SET note = NULL WHERE lead_id = $1`, [leadId]],
      [`UPDATE handoffs SET snapshot = '{}', note = NULL WHERE lead_id = $1`, [leadId]],
      // Every event about the lead, relayed or not: a hand-off's and a lead.mql's payload carry its picture (profile,
      // timeline …), which the webhook deliveries copy. Waits for a relay batch adding a picture to commit (it holds the row).
      [`UPDATE outbox_events SET payload = jsonb_build_object('leadId', lead_id, 'erased', true) WHERE lead_id = $1`, [leadId]],
      // Payloads already built for webhook receivers may carry the profile.
      [
        `UPDATE webhook_deliveries SET payload = jsonb_build_object('erased', true)
          WHERE outbox_event_id IN (SELECT id FROM outbox_events WHERE lead_id = $1) OR strpos(payload::text, $1::text) > 0`,
        [leadId],
      ],
      // strpos, not (I)LIKE: an address's `_` or `%` would be a wildcard and take other leads' records with it.
      [`DELETE FROM idempotency_records WHERE response->>'id' = $1 OR strpos(lower(response::text), lower($2::text)) > 0`, [leadId, email]],
    ];
    for (const [sql, params] of statements) await m.query(sql, params);
    // A hand-off still waiting for sales leaves their queue and the SLA watch: nobody can answer it now. It is closed
    // as rejected (reason other) by gdpr-erasure at this moment — closed, not answered: SLA compliance counts it as
    // missed only when its deadline had already passed — and announced as `handoff.closed` (reason erased: ids only).
    // After the outbox scrub above, which would otherwise blank it.
    await closePendingHandoffs(m, { leadIds: [leadId], status: 'rejected', reason: 'erased', by: ERASURE_ACTOR, now: new Date(now) });
  }

}
