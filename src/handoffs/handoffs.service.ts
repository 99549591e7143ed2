import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import type { Page } from '../common/pagination.js';
import { SqlParams } from '../common/sql-params.js';
import { ACCEPTED_HANDOFF_STATUSES, statusesWithOutcome } from './domain/index.js';
import { DEFAULT_HANDOFF_SORT, HANDOFF_ORDERS, type ListHandoffsQuery } from './dto/list-handoffs.query.js';
import { HANDOFF_WITH_OWNER, viewWithOwner, type HandoffView, type HandoffWithOwnerRow } from './handoff.types.js';

/**
 * Sales' queue: hand-offs filtered by status, owner and priority, most urgent first (by SLA deadline), or oldest
 * first (`sort=createdAt`: a client polling with the cursor sees every new hand-off exactly once), each with the
 * lead's picture taken at hand-off time.
 *
 * `status=accepted` lists every hand-off sales accepted, also once they reported an outcome (its status is then
 * opportunity, won or lost, and `outcome` says which); `breached` is described below, and the other statuses match exactly.
 * `outcome` (one or more of none, opportunity, won, lost) selects by the outcome read from the status too, so it combines
 * with any status: `status=accepted&outcome=none` is sales' open pipeline, accepted and awaiting an outcome.
 *
 * A pending hand-off past its deadline reads as breached (`status=breached`, `slaBreached`) from the moment
 * the deadline passes, not only once the SLA watch has flagged it and announced the breach (every
 * SLA_SWEEP_MS); `breachedAt` stays the time the watch flagged it.
 */
@Injectable()
export class HandoffsService {
  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock,
  ) {}

  async list(q: ListHandoffsQuery): Promise<Page<HandoffView>> {
    const now = this.clock.now();
    const { sql, values, sort } = handoffListSql(q, now);
    const rows: HandoffWithOwnerRow[] = await this.db.query(sql, values);
    const key = sort.endsWith('slaDueAt') ? (v: HandoffView) => [v.slaDueAt, v.id] : (v: HandoffView) => [v.createdAt, v.id];
    return HANDOFF_ORDERS.page(
      rows.map((r) => viewWithOwner(r, now)),
      q.limit ?? 50,
      sort,
      key,
    );
  }

  async get(id: string): Promise<HandoffView> {
    const [row]: HandoffWithOwnerRow[] = await this.db.query(`${HANDOFF_WITH_OWNER} WHERE h.id = $1`, [id]);
    if (!row) throw DomainError.notFound('Hand-off', id);
    return viewWithOwner(row, this.clock.now());
  }
}

/**
 * The queue's statement: plain conditions (not `$n IS NULL OR …`), so that the planner can use the pending queue's
 * partial indexes (handoffs_pending_due, handoffs_owner_pending_due).
 */
export function handoffListSql(q: ListHandoffsQuery, now: Date): { sql: string; values: unknown[]; sort: string } {
  const { sort, after } = HANDOFF_ORDERS.read(q.cursor, q.sort, DEFAULT_HANDOFF_SORT);
  const p = new SqlParams([(q.limit ?? 50) + 1]);
  const where: string[] = [];
  if (q.status === 'breached') where.push(`h.status = 'pending' AND (h.breached_at IS NOT NULL OR h.sla_due_at < ${p.add(now.toISOString(), '::timestamptz')})`);
  else if (q.status === 'accepted') where.push(`h.status = ANY(${p.add(ACCEPTED_HANDOFF_STATUSES, '::text[]')})`);
  else if (q.status) where.push(`h.status = ${p.add(q.status)}`);
  if (q.outcome) where.push(`h.status = ANY(${p.add(statusesWithOutcome(q.outcome), '::text[]')})`);
  if (q.ownerId) where.push(`h.owner_id = ${p.add(q.ownerId, '::uuid')}`);
  if (q.priority) where.push(`h.priority = ${p.add(q.priority)}`);
  if (q.leadId) where.push(`h.lead_id = ${p.add(q.leadId, '::uuid')}`);
  const order = HANDOFF_ORDERS.sql(sort, after, (v, cast) => p.add(v, cast));
  if (order.after) where.push(order.after);
  const sql = `${HANDOFF_WITH_OWNER} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order.orderBy} LIMIT $1`;
  return { sql, values: p.values, sort };
}
