import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import { decodeCursor, pageOf, type Page } from '../common/pagination.js';
import type { ListHandoffsQuery } from './dto/list-handoffs.query.js';
import { HANDOFF_WITH_OWNER, viewWithOwner, type HandoffView, type HandoffWithOwnerRow } from './handoff.types.js';

/**
 * Sales' queue: hand-offs filtered by status, owner and priority, oldest first (so a client polling with
 * the cursor sees every new hand-off exactly once), each with the lead's picture taken at hand-off time.
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
    const limit = q.limit ?? 50;
    const after = decodeCursor(q.cursor, ['timestamp', 'uuid']);
    const status = q.status === 'breached' ? null : (q.status ?? null);
    const now = this.clock.now();
    const rows: HandoffWithOwnerRow[] = await this.db.query(
      `${HANDOFF_WITH_OWNER}
        WHERE ($1::text IS NULL OR h.status = $1)
          AND (NOT $2::boolean OR (h.status = 'pending' AND (h.breached_at IS NOT NULL OR h.sla_due_at <= $9)))
          AND ($3::uuid IS NULL OR h.owner_id = $3)
          AND ($4::text IS NULL OR h.priority = $4)
          AND ($5::uuid IS NULL OR h.lead_id = $5)
          AND ($6::timestamptz IS NULL OR (h.created_at, h.id) > ($6::timestamptz, $7::uuid))
        ORDER BY h.created_at, h.id LIMIT $8`,
      [status, q.status === 'breached', q.ownerId ?? null, q.priority ?? null, q.leadId ?? null, after?.[0] ?? null, after?.[1] ?? null, limit + 1, now],
    );
    return pageOf(rows.map((r) => viewWithOwner(r, now)), limit, (v) => [v.createdAt, v.id]);
  }

  async get(id: string): Promise<HandoffView> {
    const [row]: HandoffWithOwnerRow[] = await this.db.query(`${HANDOFF_WITH_OWNER} WHERE h.id = $1`, [id]);
    if (!row) throw DomainError.notFound('Hand-off', id);
    return viewWithOwner(row, this.clock.now());
  }
}
