import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { decodeCursor, type Page, pageOf } from '../common/pagination.js';
import { Clock } from '../common/clock.js';
import { DomainError, ErrorCode } from '../common/domain-error.js';
import { normalizeEmail } from '../leads/email.util.js';
import { LeadActivityHub } from '../lifecycle/lead-activity.js';
import type { AddSuppressionDto } from './dto/add-suppression.dto.js';
import type { LiftSuppressionQuery } from './dto/lift-suppression.query.js';
import type { ListSuppressionsQuery } from './dto/list-suppressions.query.js';
import { emailHash } from './email-hash.js';
import { liftEntry, type SuppressionLiftView } from './suppression-lifts.js';
import { SuppressionService } from './suppression.service.js';
import { suppressionView, type SuppressionReason, type SuppressionRow, type SuppressionView } from './suppression.types.js';

type ListedRow = SuppressionRow & { email: string | null; cursor_at?: string };

/** The suppression list as administrators see it: newest first, filtered by reason or address; manual additions and lifts. */
@Injectable()
export class SuppressionListService {
  constructor(
    private readonly db: DataSource,
    private readonly suppressions: SuppressionService,
    private readonly activity: LeadActivityHub,
    private readonly clock: Clock,
  ) {}

  async list(q: ListSuppressionsQuery): Promise<Page<SuppressionView>> {
    const limit = q.limit ?? 50;
    const after = decodeCursor(q.cursor, ['timestamp', 'sha256']);
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (q.reason) add('s.reason = ?', q.reason);
    if (q.email) add('s.email_hash = ?', emailHash(q.email));
    if (q.emailHash) add('s.email_hash = ?', q.emailHash.toLowerCase());
    if (after) {
      params.push(after[0], after[1]);
      where.push(`(s.created_at, s.email_hash) < ($${params.length - 1}::timestamptz, $${params.length})`);
    }
    params.push(limit + 1);
    const rows: ListedRow[] = await this.db.query(
      `SELECT s.*, l.email, to_char(s.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at
         FROM suppressions s LEFT JOIN leads l ON l.id = s.lead_id
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY s.created_at DESC, s.email_hash DESC LIMIT $${params.length}`,
      params,
    );
    const page = pageOf(rows, limit, (r) => [r.cursor_at!, r.email_hash]);
    return { items: page.items.map(suppressionView), nextCursor: page.nextCursor };
  }

  /**
   * Adds an address by hand; `created` is false when it was already suppressed (the existing entry is returned).
   * The lead with that address leaves its nurture programs now (reason manual, or a stronger one it already had).
   */
  async addManual(dto: AddSuppressionDto, actor: string): Promise<{ created: boolean; suppression: SuppressionView }> {
    return this.db.transaction(async (m) => {
      const [lead]: { id: string; email: string }[] = await m.query(`SELECT id, email FROM leads WHERE email_normalized = $1`, [normalizeEmail(dto.email)]);
      const { created, suppression } = await this.suppressions.suppress(m, { email: dto.email, leadId: lead?.id ?? null, reason: 'manual', source: actor });
      if (lead) await this.activity.unmailable(m, [lead.id], this.clock.now());
      return { created, suppression: suppressionView({ ...suppression, email: lead?.email ?? null }) };
    });
  }

  /**
   * Lifts the entry of this address hash (`what` names it in a 404): it leaves the list, so the address may be mailed
   * again when nothing else stops it (a withdrawn consent stays withdrawn until the lead grants it again), and the
   * lift is recorded with `actor`, the time and `q.note`. An erased lead's address is never lifted; a complaint only
   * when `q.reason` names it; with `q.reason`, only an entry of that reason.
   */
  async lift(hash: string, q: LiftSuppressionQuery, actor: string, what: string): Promise<SuppressionLiftView> {
    return this.db.transaction(async (m) => {
      const [entry]: { reason: SuppressionReason; erased: boolean }[] = await m.query(
        `SELECT s.reason, (s.erased_at IS NOT NULL OR s.reason = 'erased' OR l.erased_at IS NOT NULL) AS erased
           FROM suppressions s LEFT JOIN leads l ON l.id = s.lead_id WHERE s.email_hash = $1 FOR UPDATE OF s`,
        [hash],
      );
      if (!entry) throw DomainError.notFound('Suppression', what);
      if (entry.erased) {
        throw DomainError.conflict('This address belonged to a lead that was erased (GDPR): it stays on the suppression list for good.', 'erased');
      }
      const refuse = (message: string, reason: string) => new DomainError(ErrorCode.Conflict, message, [{ field: 'reason', message }], reason);
      if (q.reason && q.reason !== entry.reason) throw refuse(`the entry's reason is ${entry.reason}, not ${q.reason}: nothing was lifted`, 'reason_mismatch');
      if (entry.reason === 'complaint' && q.reason !== 'complaint') {
        throw refuse('the person complained (marked a mail as spam): a complaint is lifted only when named, reason=complaint', 'complaint_not_named');
      }
      const lifted = await liftEntry(m, hash, actor, q.note, this.clock.now());
      // The row is locked above: it cannot have gone meanwhile.
      return lifted!;
    });
  }
}
