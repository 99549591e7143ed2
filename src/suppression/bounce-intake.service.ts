import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import { normalizeEmail } from '../leads/email.util.js';
import type { ReportBounceDto } from './dto/report-bounce.dto.js';
import { emailHash } from './email-hash.js';
import { LeadOptOutService } from './lead-opt-out.service.js';
import { SoftBounceService } from './soft-bounce.service.js';

export interface BounceView {
  id: string;
  type: string;
  messageId: string | null;
  leadId: string | null;
  /**
   * The address is now on the suppression list: after a hard bounce or a complaint, or a soft bounce that made
   * SOFT_BOUNCE_LIMIT on distinct messages (or an address suppressed before).
   */
  suppressed: boolean;
  /** A soft report: distinct messages of the address soft-bounced within the window, counting this one (null: already suppressed, or no address; other types). */
  softBounces: number | null;
  receivedAt: string;
}

interface MessageFacts {
  id: string;
  lead_id: string | null;
  to_address: string | null;
  lead_email: string | null;
}

/**
 * Bounces and complaints from the mail relay. Every report is kept (email_bounces); a hard bounce or a
 * complaint also opts the address out (suppression, consent for complaints, outbox); a soft bounce does when it
 * is the SOFT_BOUNCE_LIMIT-th on distinct messages within SOFT_BOUNCE_WINDOW_DAYS (SoftBounceService).
 */
@Injectable()
export class BounceIntakeService {
  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock,
    private readonly optOut: LeadOptOutService,
    private readonly softBounces: SoftBounceService,
  ) {}

  async report(dto: ReportBounceDto): Promise<BounceView> {
    if (!dto.email && !dto.messageId) {
      throw DomainError.validation([{ field: 'email', message: 'name the address (email) or the message (messageId)' }], 'email or messageId is required');
    }
    const now = this.clock.now();
    return this.db.transaction(async (m) => {
      const message = dto.messageId ? await this.message(m, dto.messageId) : null;
      const address = dto.email ?? message?.to_address ?? message?.lead_email ?? null;
      let leadId = message?.lead_id ?? null;
      if (dto.type === 'soft') {
        if (!leadId && address) {
          const [lead]: { id: string }[] = await m.query(`SELECT id FROM leads WHERE email_normalized = $1`, [normalizeEmail(address)]);
          leadId = lead?.id ?? null;
        }
        const soft = await this.softBounces.record(m, {
          messageId: message?.id ?? null,
          leadId,
          address,
          reason: dto.reason ?? null,
          source: 'relay:soft',
          at: now,
        });
        const { id, suppressed, counted } = soft;
        return { id, type: dto.type, messageId: message?.id ?? null, leadId: soft.leadId, suppressed, softBounces: counted, receivedAt: now.toISOString() };
      }
      const { leadId: optedOut, suppressed } = await this.optOut.optOut(m, {
        leadId,
        email: address,
        reason: dto.type === 'hard' ? 'hard_bounce' : 'complaint',
        source: `relay:${dto.type}`,
        messageId: message?.id ?? null,
        at: now,
      });
      leadId = optedOut ?? leadId;
      const id = randomUUID();
      await m.query(
        `INSERT INTO email_bounces (id, message_id, lead_id, email_hash, type, reason, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [id, message?.id ?? null, leadId, address ? emailHash(address) : null, dto.type, dto.reason ?? null, now.toISOString()],
      );
      return { id, type: dto.type, messageId: message?.id ?? null, leadId, suppressed, softBounces: null, receivedAt: now.toISOString() };
    });
  }

  private async message(m: EntityManager, id: string): Promise<MessageFacts> {
    const [row]: MessageFacts[] = await m.query(
      `SELECT e.id, e.lead_id, e.to_address, l.email AS lead_email FROM email_messages e LEFT JOIN leads l ON l.id = e.lead_id WHERE e.id = $1`,
      [id],
    );
    if (!row) throw DomainError.notFound('Email message', id);
    return row;
  }
}
