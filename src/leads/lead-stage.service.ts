import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock.js';
import { DomainError, ErrorCode } from '../common/domain-error.js';
import { manualStageCloseReason } from '../handoffs/domain/index.js';
import { closePendingHandoffs } from '../handoffs/handoff-closing.js';
import { manualMoveProblem } from '../lifecycle/domain/manual-stage.js';
import { StageMoves } from '../lifecycle/stage-moves.js';
import type { Stage } from '../scoring/domain/index.js';
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
 */
@Injectable()
export class LeadStageService {
  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock,
    private readonly moves: StageMoves,
    private readonly leads: LeadsService,
  ) {}

  async set(id: string, dto: SetLeadStageDto, actor: string): Promise<LeadView> {
    const now = this.clock.now();
    const reason = dto.reason.trim();
    await this.db.transaction(async (m) => {
      const [lead]: { stage: Stage; engagement_score: number; engagement_as_of: Date; erased_at: Date | null }[] = await m.query(
        `SELECT stage, engagement_score, engagement_as_of, erased_at FROM leads WHERE id = $1 FOR NO KEY UPDATE`,
        [id],
      );
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
      await this.moves.apply(m, [{ leadId: id, from: lead.stage, to: dto.stage, actor, reason, engagement }], now);
    });
    return this.leads.get(id);
  }
}
