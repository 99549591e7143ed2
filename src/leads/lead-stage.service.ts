import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock.js';
import { DomainError, ErrorCode } from '../common/domain-error.js';
import { manualStageCloseReason } from '../handoffs/domain/index.js';
import { closePendingHandoffs } from '../handoffs/handoff-closing.js';
import { manualMoveProblem } from '../lifecycle/domain/manual-stage.js';
import { StageMoves, type StageMove } from '../lifecycle/stage-moves.js';
import type { Stage } from '../scoring/domain/index.js';
import { promotionChanges, refreshStoredLead } from '../scoring/lead-refresh.js';
import { ScoringModelService } from '../scoring/scoring-model.service.js';
import type { LeadRow } from './lead.types.js';
import type { SetLeadStageDto } from './dto/set-lead-stage.dto.js';
import type { LeadView } from './lead.types.js';
import { LeadsService } from './leads.service.js';

/**
 * A lead's stage set by hand (a CRM marking a customer, a marketer disqualifying spam): recorded in the stage
 * history with the actor and reason, announced (`lead.stage_changed`), and published as the lead's activity in
 * the same transaction, so nurture reacts at once (a disqualified lead's enrollments exit; goals and
 * `stage_entered` triggers see the new stage). Moving a lead on to customer or disqualified closes a hand-off
 * still pending (rejected, reason other; closedBy the actor, closeReason the stage; not a sales answer, so no
 * respondedAt) and announces it as `handoff.closed` in the same transaction: sales no longer need to answer it. A lead sales accepted
 * is theirs (409 naming stage). Setting the stage it has changes nothing.
 *
 * The lead at its new stage is then refreshed as an upsert refreshes it (refreshStoredLead: fit score re-evaluated, the
 * automatic moves its stage allows), in the same transaction: a subscriber, recycled or disqualified lead taken
 * back to `lead` that already has the score and the answers becomes an MQL at once (by `scoring`, reason mql_rule,
 * with `lead.mql` in the outbox and so its hand-off) instead of waiting for its next event. Customer and
 * disqualified allow no automatic move. Moving to `lead` counts the lead's whole engagement, as any later event
 * would; a lead that stays recycled still needs engagement earned since it was recycled (mqlEngagement).
 */
@Injectable()
export class LeadStageService {
  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock,
    private readonly moves: StageMoves,
    private readonly leads: LeadsService,
    private readonly models: ScoringModelService,
  ) {}

  async set(id: string, dto: SetLeadStageDto, actor: string): Promise<LeadView> {
    const now = this.clock.now();
    const reason = dto.reason.trim();
    await this.db.transaction(async (m) => {
      const [lead]: (LeadRow & { stage: Stage; erased_at: Date | null })[] = await m.query(`SELECT * FROM leads WHERE id = $1 FOR NO KEY UPDATE`, [id]);
      if (!lead) throw DomainError.notFound('Lead', id);
      if (lead.erased_at) throw DomainError.leadErased(id, 'id');
      if (lead.stage === dto.stage) return;
      const [salesHandoff]: { id: string; status: string }[] = await m.query(
        `SELECT id, status FROM handoffs WHERE lead_id = $1 AND status IN ('accepted', 'opportunity')`,
        [id],
      );
      const problem = manualMoveProblem(lead.stage, dto.stage, salesHandoff ?? null);
      if (problem) throw new DomainError(ErrorCode.Conflict, `stage: ${problem}`, [{ field: 'stage', message: problem }]);
      if (dto.stage !== 'lead') {
        await closePendingHandoffs(m, {
          leadIds: [id],
          status: 'rejected',
          reason: manualStageCloseReason(dto.stage),
          by: actor,
          note: `lead set to ${dto.stage}: ${reason}`,
          now,
        });
      }
      const engagement = { value: lead.engagement_score, asOf: lead.engagement_as_of };
      const moves: StageMove[] = [{ leadId: id, from: lead.stage, to: dto.stage, actor, reason, engagement }];
      // The lead as it now is: the MQL rule applies to a lead taken back into nurture (only forward moves; none from customer or disqualified).
      const model = await this.models.current(m);
      const { promotions } = await refreshStoredLead(m, { ...lead, stage: dto.stage }, engagement, model, now);
      for (const { at: _at, ...change } of promotionChanges(id, dto.stage, promotions, now)) moves.push({ ...change, engagement });
      await this.moves.apply(m, moves, now, model.definition.halfLifeDays);
    });
    return this.leads.get(id);
  }
}
