import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { countedSoftBounces, softBounceCountFrom, softBounceLimitReached, type SoftBounceRule } from './domain/soft-bounces.js';
import { emailHash } from './email-hash.js';
import { LeadOptOutService } from './lead-opt-out.service.js';

export interface SoftBounceReport {
  /** The message that bounced, when known (only reports naming a message count toward the limit). */
  messageId: string | null;
  leadId: string | null;
  /** The address that bounced; without one the report is only recorded. */
  address: string | null;
  /** The server's reply, as given. */
  reason: string | null;
  /** What reported it, e.g. `relay:soft` or `smtp:<message id>`: the suppression's source when this one tips it. */
  source: string;
  at: Date;
}

export interface SoftBounceOutcome {
  /** The email_bounces row written. */
  id: string;
  leadId: string | null;
  /** The address is on the suppression list now (by this bounce, or already). */
  suppressed: boolean;
  /** Distinct messages counted toward SOFT_BOUNCE_LIMIT after this bounce (null: the address was already suppressed or unknown). */
  counted: number | null;
}

/**
 * Records a soft bounce (a relay's report, or a message our SMTP delivery gave up on after temporary failures) and
 * applies the soft-bounce rule (domain/soft-bounces.ts) in the caller's transaction: once the address collected
 * SOFT_BOUNCE_LIMIT of them on distinct messages, it is opted out with reason `soft_bounces` (suppression list,
 * enrollments exit, `lead.unsubscribed` to the outbox; consent stays). Reports of one address are counted one
 * transaction at a time, under a transaction-scoped lock keyed by the address's list key, taken before the count:
 * of two reports arriving together, the second counts the first (committed by then), so neither misses the limit,
 * and the list's upsert keeps one entry.
 */
@Injectable()
export class SoftBounceService {
  private readonly rule: SoftBounceRule;

  constructor(
    private readonly optOut: LeadOptOutService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.rule = config.softBounces;
  }

  async record(m: EntityManager, report: SoftBounceReport): Promise<SoftBounceOutcome> {
    const hash = report.address ? emailHash(report.address) : null;
    if (hash) await m.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`soft-bounce:${hash}`]);
    const id = randomUUID();
    await m.query(
      `INSERT INTO email_bounces (id, message_id, lead_id, email_hash, type, reason, received_at) VALUES ($1, $2, $3, $4, 'soft', $5, $6)`,
      [id, report.messageId, report.leadId, hash, report.reason, report.at.toISOString()],
    );
    if (!hash) return { id, leadId: report.leadId, suppressed: false, counted: null };
    const [listed]: unknown[] = await m.query(`SELECT 1 FROM suppressions WHERE email_hash = $1`, [hash]);
    if (listed) return { id, leadId: report.leadId, suppressed: true, counted: null };

    const history = await this.history(m, hash, report.leadId, report.at);
    const counted = countedSoftBounces(history, report.at, this.rule);
    if (!softBounceLimitReached(counted, this.rule)) return { id, leadId: report.leadId, suppressed: false, counted };
    // By the address, not the reported lead: the lead that has this address now is the one to stop mailing (a lead
    // whose address changed since keeps its new one).
    const result = await this.optOut.optOut(m, {
      leadId: null,
      email: report.address,
      reason: 'soft_bounces',
      source: report.source,
      messageId: report.messageId,
      at: report.at,
    });
    return { id, leadId: result.leadId ?? report.leadId, suppressed: result.suppressed, counted };
  }

  /**
   * The address's soft bounces since the window opened and what resets their count: the latest human open or click
   * of the lead's email and the latest lift of the address's suppression (indexes: email_bounces_soft_address,
   * email_interactions_lead, suppression_lifts_hash).
   */
  private async history(m: EntityManager, hash: string, leadId: string | null, now: Date) {
    const windowStart = softBounceCountFrom([], now, this.rule);
    const bounces: { message_id: string | null; received_at: Date }[] = await m.query(
      `SELECT message_id, received_at FROM email_bounces WHERE email_hash = $1 AND type = 'soft' AND received_at > $2 AND received_at <= $3`,
      [hash, windowStart.toISOString(), now.toISOString()],
    );
    const [resets]: { engaged: Date | null; lifted: Date | null }[] = await m.query(
      `SELECT (SELECT max(occurred_at) FROM email_interactions WHERE lead_id = $2 AND NOT machine AND occurred_at <= $3) AS engaged,
              (SELECT max(lifted_at) FROM suppression_lifts WHERE email_hash = $1 AND lifted_at <= $3) AS lifted`,
      [hash, leadId, now.toISOString()],
    );
    return {
      bounces: bounces.map((b) => ({ messageId: b.message_id, at: b.received_at })),
      resets: [resets.engaged, resets.lifted].filter((d): d is Date => d !== null),
    };
  }
}
