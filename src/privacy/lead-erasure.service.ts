import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import { LeadActivityHub } from '../lifecycle/lead-activity.js';
import { emailHash } from '../suppression/email-hash.js';
import { LinkCacheBus } from '../tracking/link-cache-bus.js';
import { anonymousEventPropertiesSql } from './anonymous-event-properties.js';

/**
 * GDPR erasure: every piece of personal data about the lead goes — profile, event properties (an
 * unsubscribe keeps the ids of the program step it came from, see anonymousEventPropertiesSql),
 * email addresses and copies, interaction details, hand-off snapshots, webhook payloads — while
 * the anonymous skeleton stays (stage history, event types and times, points, sends), so funnels
 * and program statistics still add up. A salted hash of the address (see email-hash.ts) stays on the suppression list so it
 * is never mailed again. Idempotent; recorded in the audit log without personal data.
 */
@Injectable()
export class LeadErasureService {
  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock,
    private readonly linkCache: LinkCacheBus,
    private readonly activity: LeadActivityHub,
  ) {}

  async erase(leadId: string, actor: string): Promise<{ erased: boolean }> {
    const result = await this.eraseRows(leadId, actor);
    // Its emails' links are blanked now: no API process may keep redirecting to them from memory.
    if (result.erased) await this.linkCache.forgetEverywhere();
    return result;
  }

  private eraseRows(leadId: string, actor: string): Promise<{ erased: boolean }> {
    const at = this.clock.now();
    const now = at.toISOString();
    return this.db.transaction(async (m) => {
      const [lead]: { id: string; email: string; erased_at: Date | null }[] = await m.query(
        `SELECT id, email, erased_at FROM leads WHERE id = $1 FOR UPDATE`,
        [leadId],
      );
      if (!lead) throw DomainError.notFound('Lead', leadId);
      if (lead.erased_at) return { erased: false };
      await m.query(
        `INSERT INTO suppressions (email_hash, lead_id, reason, source, created_at) VALUES ($1, NULL, 'erased', 'gdpr-erasure', $2)
         ON CONFLICT (email_hash) DO UPDATE SET lead_id = NULL`,
        [emailHash(lead.email), now],
      );
      // Its enrollments end as any unmailable lead's do (reason erased, unless the address was listed before, see sendBlock),
      // while the address that the list entry is found by is still on the lead.
      await this.activity.unmailable(m, [leadId], at);
      await this.scrub(m, leadId, lead.email);
      await m.query(
        `INSERT INTO audit_log (action, subject_type, subject_id, actor, detail, at) VALUES ('lead.erased', 'lead', $1, $2, '{}', $3)`,
        [leadId, actor, now],
      );
      await m.query(`UPDATE leads SET erased_at = $2, updated_at = $2 WHERE id = $1`, [leadId, now]);
      return { erased: true };
    });
  }

  private async scrub(m: EntityManager, leadId: string, email: string): Promise<void> {
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
      [`UPDATE handoffs SET snapshot = '{}', note = NULL WHERE lead_id = $1`, [leadId]],
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
  }
}
