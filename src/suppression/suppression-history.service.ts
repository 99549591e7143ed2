import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { decodeCursor, type Page, pageOf } from '../common/pagination.js';
import { SqlParams } from '../common/sql-params.js';
import type { ListSuppressionLiftsQuery } from './dto/list-suppression-lifts.query.js';
import type { ListSuppressionsQuery } from './dto/list-suppressions.query.js';
import { emailHash } from './email-hash.js';
import { toLiftView, type SuppressionLiftView } from './suppression-lifts.js';
import { suppressionView, type SuppressionReason, type SuppressionView } from './suppression.types.js';

/** An instant as cursors carry it (microseconds, UTC): to_char keeps what a JavaScript Date would round away. */
const CURSOR_AT = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

interface HistoryRow {
  email_hash: string;
  email: string | null;
  lead_id: string | null;
  reason: SuppressionReason;
  source: string | null;
  created_at: Date;
  lifted_at: Date | null;
  lifted_by: string | null;
  note: string | null;
  cursor_at: string;
  cursor_key: string;
}

/**
 * What was lifted from the suppression list (suppression_lifts, see suppression-lifts.ts), and the list read with its
 * lifted entries: the history of an address. Keyset pages, newest first.
 */
@Injectable()
export class SuppressionHistoryService {
  constructor(private readonly db: DataSource) {}

  /** Lifts, newest first (ties by id); by entry (`emailHash` or `email`) and from `since` on. */
  async lifts(q: ListSuppressionLiftsQuery): Promise<Page<SuppressionLiftView>> {
    const limit = q.limit ?? 50;
    const after = decodeCursor(q.cursor, ['timestamp', 'uuid']);
    const p = new SqlParams([limit + 1]);
    const where = hashFilters(q, 'email_hash', p);
    if (q.since) where.push(`lifted_at >= ${p.add(q.since, '::timestamptz')}`);
    if (after) where.push(`(lifted_at, id) < (${p.add(after[0], '::timestamptz')}, ${p.add(after[1], '::uuid')})`);
    const rows: (Parameters<typeof toLiftView>[0] & { id: string; cursor_at: string })[] = await this.db.query(
      `SELECT id, email_hash, lead_id, reason, source, suppressed_at, lifted_at, lifted_by, note, ${CURSOR_AT('lifted_at')} AS cursor_at
         FROM suppression_lifts ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY lifted_at DESC, id DESC LIMIT $1`,
      p.values,
    );
    const page = pageOf(rows, limit, (r) => [r.cursor_at, r.id]);
    return { items: page.items.map(toLiftView), nextCursor: page.nextCursor };
  }

  /**
   * The entries on the list and those lifted since, by when each was listed, newest first (an entry on the list is
   * keyed by its hash, a lifted one by its lift's id: never equal), each saying whether and how it was lifted.
   */
  async withLifted(q: ListSuppressionsQuery): Promise<Page<SuppressionView>> {
    const limit = q.limit ?? 50;
    const after = decodeCursor(q.cursor, ['timestamp', 'text']);
    const p = new SqlParams([limit + 1]);
    const where = hashFilters(q, 'h.email_hash', p);
    if (q.reason) where.push(`h.reason = ${p.add(q.reason)}`);
    if (after) where.push(`(h.created_at, h.cursor_key) < (${p.add(after[0], '::timestamptz')}, ${p.add(after[1])} COLLATE "C")`);
    // An erased lead keeps a placeholder address: the entry shows none.
    const rows: HistoryRow[] = await this.db.query(
      `SELECT h.*, CASE WHEN l.erased_at IS NULL THEN l.email END AS email, ${CURSOR_AT('h.created_at')} AS cursor_at FROM (
         SELECT email_hash, lead_id, reason, source, created_at, NULL::timestamptz AS lifted_at, NULL AS lifted_by, NULL AS note,
                email_hash COLLATE "C" AS cursor_key FROM suppressions
         UNION ALL
         SELECT email_hash, lead_id, reason, source, suppressed_at, lifted_at, lifted_by, note, id::text COLLATE "C" FROM suppression_lifts
       ) h LEFT JOIN leads l ON l.id = h.lead_id
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY h.created_at DESC, h.cursor_key DESC LIMIT $1`,
      p.values,
    );
    const page = pageOf(rows, limit, (r) => [r.cursor_at, r.cursor_key]);
    return { items: page.items.map(historyView), nextCursor: page.nextCursor };
  }
}

/** The conditions of `emailHash` and `email` (both may be given: an entry must match both). */
function hashFilters(q: { emailHash?: string; email?: string }, column: string, p: SqlParams): string[] {
  const where: string[] = [];
  if (q.emailHash) where.push(`${column} = ${p.add(q.emailHash.toLowerCase())}`);
  if (q.email) where.push(`${column} = ${p.add(emailHash(q.email))}`);
  return where;
}

function historyView(r: HistoryRow): SuppressionView {
  return { ...suppressionView(r), lifted: r.lifted_at ? { liftedAt: r.lifted_at.toISOString(), liftedBy: r.lifted_by!, note: r.note } : null };
}
