import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock.js';
import { DomainError, ErrorCode } from '../common/domain-error.js';
import { manualMoveProblem } from '../lifecycle/domain/manual-stage.js';
import { LeadActivityHub } from '../lifecycle/lead-activity.js';
import { applyStageChanges } from '../lifecycle/stage-change.js';
import { scoreAt, type Stage } from '../scoring/domain/index.js';
import { ScoringModelService } from '../scoring/scoring-model.service.js';
import type { SetLeadStageDto } from './dto/set-lead-stage.dto.js';
import type { LeadView } from './lead.types.js';
import { LeadsService } from './leads.service.js';

/**
 * A lead's stage set by hand (a CRM marking a customer, a marketer disqualifying spam): recorded in the stage
 * history with the actor and reason, announced (`lead.stage_changed`), and published as the lead's activity in
 * the same transaction, so nurture reacts at once (a disqualified lead's enrollments exit; goals and
 * `stage_entered` triggers see the new stage). Moving a lead on to customer or disqualified closes a hand-off
 * still pending (rejected, reason other, by the actor): sales no longer need to answer it. A lead sales accepted
 * is theirs (409 naming stage). Setting the stage it has changes nothing.
 */
@Injectable()
export class LeadStageService {
  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock,
    private readonly models: ScoringModelService,
    private readonly activity: LeadActivityHub,
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
        await m.query(
          `UPDATE handoffs SET status = 'rejected', reject_reason = 'other', responded_at = $2, responded_by = $3,
                  note = $4, updated_at = $2
            WHERE lead_id = $1 AND status = 'pending'`,
          [id, now.toISOString(), actor, `lead set to ${dto.stage}: ${reason}`],
        );
      }
      await applyStageChanges(m, [{ leadId: id, from: lead.stage, to: dto.stage, actor, reason, at: now }]);
      const { definition } = await this.models.current(m);
      const engagementScore = scoreAt({ value: lead.engagement_score, asOf: lead.engagement_as_of }, now, definition.halfLifeDays);
      await this.activity.publish(m, [{ leadId: id, at: now, created: false, stageBefore: lead.stage, stageAfter: dto.stage, events: [], engagementScore }]);
    });
    return this.leads.get(id);
  }
}
