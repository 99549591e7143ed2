import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import type { Page } from '../common/pagination.js';
import { SqlParams } from '../common/sql-params.js';
import { ACCEPTED_HANDOFF_STATUSES, statusesWithOutcome, type HandoffStatus, type OutcomeFilter } from './domain/index.js';
import { DEFAULT_HANDOFF_SORT, HANDOFF_ORDERS, type HandoffStatusFilter, type ListHandoffsQuery } from './dto/list-handoffs.query.js';
import { HANDOFF_WITH_OWNER, viewWithOwner, type HandoffView, type HandoffWithOwnerRow } from './handoff.types.js';

/**
 * Sales' queue: hand-offs filtered by status, owner and priority, most urgent first (by SLA deadline), or oldest
 * first (`sort=createdAt`: a client polling with the cursor sees every new hand-off exactly once), each with the
 * lead's picture taken at hand-off time.
 *
 * `status=accepted` lists every hand-off sales accepted, also once they reported an outcome (its status is then
 * opportunity, won or lost, and `outcome` says which); `breached` is described below, and the other statuses match exactly.
 * `outcome` (one or more of none, opportunity, won, lost) selects by the outcome read from the status too, so it combines
 * with any status: `status=accepted&outcome=none` is the accepted hand-offs with nothing reported yet, and
 * `status=accepted&outcome=none,opportunity` sales' open pipeline (opportunities still await won or lost).
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
 * The statuses the list selects by `status` and `outcome` together, as one set (null: any status). One condition on
 * the status rather than one per filter: the planner matches a single condition to a partial index, while it cannot
 * combine two (`status=accepted&outcome=none` is `status = 'accepted'` only taken together, which a rep's pipeline
 * reads through the open hand-offs' index instead of walking every hand-off by deadline).
 */
export function listedStatuses(status: HandoffStatusFilter | undefined, outcome: readonly OutcomeFilter[] | undefined): HandoffStatus[] | null {
  const byStatus: readonly HandoffStatus[] | null =
    status === undefined ? null : status === 'breached' ? ['pending'] : status === 'accepted' ? ACCEPTED_HANDOFF_STATUSES : [status];
  const byOutcome = outcome === undefined ? null : statusesWithOutcome(outcome);
  if (!byStatus || !byOutcome) return byStatus ? [...byStatus] : byOutcome;
  return byStatus.filter((s) => byOutcome.includes(s));
}

/**
 * The queue's statement: plain conditions (not `$n IS NULL OR …`), so that the planner can use the partial indexes of
 * the pending queue (handoffs_pending_due, handoffs_owner_pending_due) and of the open hand-offs
 * (handoffs_one_open_per_lead, for the pipeline: accepted, or an opportunity).
 */
export function handoffListSql(q: ListHandoffsQuery, now: Date): { sql: string; values: unknown[]; sort: string } {
  const { sort, after } = HANDOFF_ORDERS.read(q.cursor, q.sort, DEFAULT_HANDOFF_SORT);
  const p = new SqlParams([(q.limit ?? 50) + 1]);
  const where: string[] = [];
  const statuses = listedStatuses(q.status, q.outcome);
  if (statuses) where.push(statuses.length === 1 ? `h.status = ${p.add(statuses[0])}` : `h.status = ANY(${p.add(statuses, '::text[]')})`);
  if (q.status === 'breached') where.push(`(h.breached_at IS NOT NULL OR h.sla_due_at < ${p.add(now.toISOString(), '::timestamptz')})`);
  if (q.ownerId) where.push(`h.owner_id = ${p.add(q.ownerId, '::uuid')}`);
  if (q.priority) where.push(`h.priority = ${p.add(q.priority)}`);
  if (q.leadId) where.push(`h.lead_id = ${p.add(q.leadId, '::uuid')}`);
  const order = HANDOFF_ORDERS.sql(sort, after, (v, cast) => p.add(v, cast));
  if (order.after) where.push(order.after);
  const sql = `${HANDOFF_WITH_OWNER} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order.orderBy} LIMIT $1`;
  return { sql, values: p.values, sort };
}
