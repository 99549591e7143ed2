import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { scoreAt, type ScoreState, type Stage } from '../scoring/domain/index.js';
import { ScoringModelService } from '../scoring/scoring-model.service.js';
import { LeadActivityHub } from './lead-activity.js';
import { applyStageChanges } from './stage-change.js';

/** A lead moved by a person or a rule (not by scoring, which publishes its own activity with the events it scored). */
export interface StageMove {
  leadId: string;
  from: Stage;
  to: Stage;
  actor: string;
  reason: string;
  /** The lead's stored engagement score (engagement_score as of engagement_as_of), decayed to the move's time here. */
  engagement: ScoreState;
}

/**
 * Records stage moves decided outside scoring — sales' answers, a stage set by hand, an MQL that went cold — inside
 * the caller's transaction: the lead's stage, milestones and history row with actor and reason, `lead.stage_changed`
 * in the outbox (applyStageChanges), and the LeadActivity that lets nurture react (goals end enrollments,
 * `stage_entered: recycled` enrolls the lead in the recycle program), so all of it commits or rolls back together.
 * The caller has locked the leads and decided that each move is allowed.
 */
@Injectable()
export class StageMoves {
  constructor(
    private readonly models: ScoringModelService,
    private readonly activity: LeadActivityHub,
  ) {}

  async apply(m: EntityManager, moves: StageMove[], at: Date): Promise<void> {
    if (!moves.length) return;
    await applyStageChanges(
      m,
      moves.map((mv) => ({ leadId: mv.leadId, from: mv.from, to: mv.to, actor: mv.actor, reason: mv.reason, at })),
    );
    const { definition } = await this.models.current(m);
    await this.activity.publish(
      m,
      moves.map((mv) => ({
        leadId: mv.leadId,
        at,
        created: false,
        stageBefore: mv.from,
        stageAfter: mv.to,
        events: [],
        engagementScore: scoreAt(mv.engagement, at, definition.halfLifeDays),
      })),
    );
  }
}
