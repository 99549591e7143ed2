import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { normalizeEmail } from '../leads/email.util.js';
import { LeadActivityHub } from '../lifecycle/lead-activity.js';
import { recordDomainEvents } from '../lifecycle/outbox.js';
import { SuppressionService } from './suppression.service.js';

export type OptOutReason = 'unsubscribed' | 'complaint' | 'hard_bounce' | 'soft_bounces';

export interface OptOutRequest {
  /** The lead, when known (an unsubscribe link names its message, and the message its lead). */
  leadId: string | null;
  /** The address, used when there is no lead (or it was erased). */
  email: string | null;
  reason: OptOutReason;
  /** Where it came from, e.g. `list-unsubscribe`, `unsubscribe-page`, `relay:complaint`. */
  source: string;
  messageId?: string | null;
  /** Extra properties of the `unsubscribed` behaviour event (template, step, enrollment). */
  eventProperties?: Record<string, unknown>;
  at: Date;
}

export interface OptOutResult {
  leadId: string | null;
  /** The address is on the suppression list (now or already). */
  suppressed: boolean;
  /** Something changed: newly suppressed or consent newly withdrawn. A repeat changes nothing. */
  changed: boolean;
  /** The `unsubscribed` behaviour event recorded, to be scored after commit. */
  eventId: string | null;
}

interface LeadFacts {
  id: string;
  email: string;
  consent_status: string;
  erased: boolean;
}

/**
 * Opts a lead (or a bare address) out of email, inside the caller's transaction:
 * - the address goes on the suppression list (so nothing is sent to it again, even after erasure);
 * - an unsubscribe or a complaint withdraws consent (lead updated, consent history row);
 * - an unsubscribe is recorded as an `unsubscribed` behaviour event;
 * - the lead's nurture enrollments end now, saying why (LeadActivityHub.unmailable);
 * - `lead.unsubscribed` goes to the outbox (webhooks tell sales).
 * A hard bounce or repeated soft bounces suppress the address but leave consent alone: the person did not withdraw it.
 * Idempotent: doing it again records nothing new.
 */
@Injectable()
export class LeadOptOutService {
  constructor(
    private readonly suppressions: SuppressionService,
    private readonly activity: LeadActivityHub,
  ) {}

  async optOut(m: EntityManager, req: OptOutRequest): Promise<OptOutResult> {
    const lead = await this.lockLead(m, req);
    // An erased lead's address was put on the suppression list at erasure; nothing more is written about it.
    if (lead?.erased) return { leadId: null, suppressed: true, changed: false, eventId: null };
    const address = lead?.email ?? req.email;
    if (!address) return { leadId: null, suppressed: false, changed: false, eventId: null };
    const { created } = await this.suppressions.suppress(m, { email: address, leadId: lead?.id ?? null, reason: req.reason, source: req.source });
    if (!lead) return { leadId: null, suppressed: true, changed: created, eventId: null };

    const withdraws = (req.reason === 'unsubscribed' || req.reason === 'complaint') && lead.consent_status !== 'withdrawn';
    const at = req.at.toISOString();
    if (withdraws) {
      await m.query(`UPDATE leads SET consent_status = 'withdrawn', updated_at = $2 WHERE id = $1`, [lead.id, at]);
      await m.query(
        `INSERT INTO consents (lead_id, status, basis, text, source, captured_at, recorded_at) VALUES ($1, 'withdrawn', NULL, NULL, $2, $3, $3)`,
        [lead.id, req.source, at],
      );
    }
    let eventId: string | null = null;
    if (withdraws && req.reason === 'unsubscribed') {
      eventId = randomUUID();
      await m.query(
        `WITH ins AS (
           INSERT INTO events (id, lead_id, type, occurred_at, properties, received_at) VALUES ($1, $2, 'unsubscribed', $3, $4, $3)
           RETURNING id, lead_id
         )
         INSERT INTO scoring_queue (event_id, lead_id) SELECT id, lead_id FROM ins`,
        [eventId, lead.id, at, JSON.stringify({ ...req.eventProperties, messageId: req.messageId ?? null, via: req.source })],
      );
    }
    // Also when nothing changed: an enrollment begun after an earlier opt-out ends now rather than at its next step.
    await this.activity.unmailable(m, [lead.id], req.at);
    const changed = created || withdraws;
    if (changed) {
      await recordDomainEvents(m, [
        {
          type: 'lead.unsubscribed',
          leadId: lead.id,
          payload: { leadId: lead.id, reason: req.reason, source: req.source, messageId: req.messageId ?? null },
          occurredAt: req.at,
        },
      ]);
    }
    return { leadId: lead.id, suppressed: true, changed, eventId };
  }

  private async lockLead(m: EntityManager, req: OptOutRequest): Promise<LeadFacts | null> {
    if (req.leadId) {
      const [lead]: LeadFacts[] = await m.query(`SELECT id, email, consent_status, erased_at IS NOT NULL AS erased FROM leads WHERE id = $1 FOR UPDATE`, [req.leadId]);
      if (lead) return lead;
    }
    if (!req.email) return null;
    const [lead]: LeadFacts[] = await m.query(`SELECT id, email, consent_status, erased_at IS NOT NULL AS erased FROM leads WHERE email_normalized = $1 FOR UPDATE`, [
      normalizeEmail(req.email),
    ]);
    return lead ?? null;
  }
}
