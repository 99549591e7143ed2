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
  /** The event that caused the move, if any. */
  eventId?: string | null;
  /** The lead's stored engagement score (engagement_score as of engagement_as_of), decayed to the move's time here. */
  engagement: ScoreState;
}

/**
 * Records stage moves decided outside scoring — sales' answers, a stage set by hand, an MQL that went cold — inside
 * the caller's transaction: the lead's stage, milestones and history row with actor and reason, `lead.stage_changed`
 * in the outbox (applyStageChanges), and the LeadActivity that lets nurture react (goals end enrollments,
 * `stage_entered: recycled` enrolls the lead in the recycle program), so all of it commits or rolls back together.
 * The caller has locked the leads and decided that each move is allowed. A lead may move more than once (a lead
 * taken back into nurture by hand, then promoted by the MQL rule): each move is in the history, and nurture hears
 * one activity per lead, from the stage it left first to the one it reached last.
 */
@Injectable()
export class StageMoves {
  constructor(
    private readonly models: ScoringModelService,
    private readonly activity: LeadActivityHub,
  ) {}

  /** `halfLifeDays`: the current model's, when the caller has read it already (else it is read here). */
  async apply(m: EntityManager, moves: StageMove[], at: Date, halfLifeDays?: number): Promise<void> {
    if (!moves.length) return;
    await applyStageChanges(
      m,
      moves.map((mv) => ({ leadId: mv.leadId, from: mv.from, to: mv.to, actor: mv.actor, reason: mv.reason, eventId: mv.eventId ?? null, at })),
    );
    const halfLife = halfLifeDays ?? (await this.models.current(m)).definition.halfLifeDays;
    const byLead = new Map<string, { first: StageMove; last: StageMove }>();
    for (const mv of moves) byLead.set(mv.leadId, { first: byLead.get(mv.leadId)?.first ?? mv, last: mv });
    await this.activity.publish(
      m,
      [...byLead.values()].map(({ first, last }) => ({
        leadId: first.leadId,
        at,
        created: false,
        stageBefore: first.from,
        stageAfter: last.to,
        events: [],
        engagementScore: scoreAt(last.engagement, at, halfLife),
      })),
    );
  }
}
