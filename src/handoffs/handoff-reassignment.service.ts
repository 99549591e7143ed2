import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { OPEN_HANDOFF_STATUSES } from './domain/index.js';
import type { ReassignHandoffDto } from './dto/reassign-handoff.dto.js';
import { handoffLeadErased, snapshotCountry, snapshotLocale, type HandoffRow, type HandoffView } from './handoff.types.js';
import { HandoffsService } from './handoffs.service.js';
import { OwnerAssignment, reassignOwners } from './owner-assignment.js';
import { deadlines } from './sla-deadlines.js';

/**
 * Gives an open hand-off to another sales rep by hand (a missed SLA, a rep on leave): the rep asked for, who
 * must be active, or else the next by round robin other than the current owner. The rep's round-robin count
 * goes up, as for any hand-off they are given. A pending hand-off gets a fresh SLA deadline from now (its
 * breach flag cleared, so a new miss is flagged again); an accepted one keeps its times. The change and a
 * `handoff.reassigned` outbox event (webhooks: the hand-off as sales sees it, with the previous owner, who
 * reassigned it, reason `manual` and the note) commit together. Giving a hand-off to its current owner changes nothing.
 */
@Injectable()
export class HandoffReassignment {
  constructor(
    private readonly db: DataSource,
    private readonly owners: OwnerAssignment,
    private readonly clock: Clock,
    private readonly handoffs: HandoffsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async reassign(id: string, dto: ReassignHandoffDto, actor: string): Promise<HandoffView> {
    const now = this.clock.now();
    await this.db.transaction(async (m) => {
      const [h]: HandoffRow[] = await m.query(`SELECT * FROM handoffs WHERE id = $1 FOR UPDATE`, [id]);
      if (!h) throw DomainError.notFound('Hand-off', id);
      const [{ erased }]: { erased: boolean }[] = await m.query(`SELECT erased_at IS NOT NULL AS erased FROM leads WHERE id = $1`, [h.lead_id]);
      if (erased) throw handoffLeadErased(id);
      if (!OPEN_HANDOFF_STATUSES.includes(h.status)) throw DomainError.conflict(`a hand-off that is ${h.status} is closed: it cannot be reassigned`);
      let ownerId: string;
      if (dto.ownerId) {
        const [rep]: { id: string }[] = await m.query(
          `WITH u AS (UPDATE sales_reps SET assigned = assigned + CASE WHEN id = $2 THEN 0 ELSE 1 END WHERE id = $1 AND active RETURNING id) SELECT id FROM u`,
          [dto.ownerId, h.owner_id],
        );
        if (!rep) throw DomainError.invalidField('ownerId', 'is not an active sales rep');
        if (rep.id === h.owner_id) return;
        ownerId = rep.id;
      } else {
        const owner = (await this.owners.assign(m, [{ key: id, locale: snapshotLocale(h), country: snapshotCountry(h), notOwner: h.owner_id }])).get(id);
        if (!owner || owner.id === h.owner_id) throw DomainError.conflict('no other active sales rep can take it over');
        ownerId = owner.id;
      }
      // The SLA is on the answer: only a hand-off still waiting for one gets a fresh deadline.
      const slaDueAt = h.status === 'pending' ? deadlines(now, this.config)(h.priority) : null;
      await reassignOwners(m, [{ id, ownerId, slaDueAt, leadId: h.lead_id, previousOwnerId: h.owner_id, reason: 'manual', note: dto.note ?? null }], actor, now);
    });
    return this.handoffs.get(id);
  }
}
