import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { StageMoves } from '../lifecycle/stage-moves.js';
import type { Stage } from '../scoring/domain/index.js';
import { salesMove, type SalesAction, type SalesMove } from './domain/index.js';
import type { AcceptHandoffDto } from './dto/accept-handoff.dto.js';
import type { HandoffOutcomeDto } from './dto/handoff-outcome.dto.js';
import type { RejectHandoffDto } from './dto/reject-handoff.dto.js';
import type { HandoffRow, HandoffView } from './handoff.types.js';
import { HandoffsService } from './handoffs.service.js';
import { handoffLeadErased } from './handoff.types.js';

interface LeadState {
  id: string;
  stage: Stage;
  engagement_score: number;
  engagement_as_of: Date;
  erased_at: Date | null;
}

/**
 * Sales' answers: accept (lead → sql), reject (→ recycled or disqualified), outcome (opportunity,
 * won → customer, lost → recycled). Each answer and the lead's stage move (StageMoves: history, outbox and the
 * LeadActivity that lets nurture react — goals end enrollments, `stage_entered: recycled` enrolls the lead
 * in the recycle program) commit in one transaction. Illegal moves are conflicts (409); a hand-off whose lead was
 * erased (GDPR) takes no answer (410): the lead takes no new data, its stage included.
 */
@Injectable()
export class SalesActionsService {
  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock,
    private readonly moves: StageMoves,
    private readonly handoffs: HandoffsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  accept(id: string, dto: AcceptHandoffDto, actor: string): Promise<HandoffView> {
    return this.act(id, { kind: 'accept' }, actor, 'hand-off accepted', (m, now) =>
      m.query(`UPDATE handoffs SET status = 'accepted', responded_at = $2, responded_by = $3, note = coalesce($4, note), updated_at = $2 WHERE id = $1`, [
        id,
        now,
        actor,
        dto.note ?? null,
      ]),
    );
  }

  reject(id: string, dto: RejectHandoffDto, actor: string): Promise<HandoffView> {
    const action: SalesAction = { kind: 'reject', disqualify: dto.disqualify ?? false };
    return this.act(id, action, actor, `hand-off rejected: ${dto.reason}`, (m, now) =>
      m.query(
        `UPDATE handoffs SET status = 'rejected', responded_at = $2, responded_by = $3, reject_reason = $4, note = coalesce($5, note), updated_at = $2
          WHERE id = $1`,
        [id, now, actor, dto.reason, dto.note ?? null],
      ),
    );
  }

  outcome(id: string, dto: HandoffOutcomeDto, actor: string): Promise<HandoffView> {
    if (dto.outcome === 'lost' && dto.value !== undefined) throw DomainError.invalidField('value', 'only an opportunity or a won deal has a value');
    if (dto.currency !== undefined && dto.value === undefined) throw DomainError.invalidField('currency', 'needs a value');
    const value = dto.value ?? null;
    const currency = value === null ? null : (dto.currency ?? this.config.reportingCurrency);
    return this.act(id, { kind: 'outcome', outcome: dto.outcome }, actor, `hand-off ${dto.outcome}`, (m, now) =>
      m.query(
        `UPDATE handoffs SET status = $2, outcome_at = $3, value = coalesce($4, value), currency = coalesce($5, currency),
                note = coalesce($6, note), updated_at = $3
          WHERE id = $1`,
        [id, dto.outcome, now, value, currency, dto.note ?? null],
      ),
    );
  }

  private async act(
    id: string,
    action: SalesAction,
    actor: string,
    reason: string,
    write: (m: EntityManager, nowIso: string, move: SalesMove) => Promise<unknown>,
  ): Promise<HandoffView> {
    const now = this.clock.now();
    await this.db.transaction(async (m) => {
      const [handoff]: HandoffRow[] = await m.query(`SELECT * FROM handoffs WHERE id = $1 FOR UPDATE`, [id]);
      if (!handoff) throw DomainError.notFound('Hand-off', id);
      const [lead]: LeadState[] = await m.query(
        `SELECT id, stage, engagement_score, engagement_as_of, erased_at FROM leads WHERE id = $1 FOR NO KEY UPDATE`,
        [handoff.lead_id],
      );
      if (lead.erased_at) throw handoffLeadErased(id);
      const move = salesMove(handoff.status, action);
      await write(m, now.toISOString(), move);
      if (lead.stage === move.stage) return;
      const engagement = { value: lead.engagement_score, asOf: lead.engagement_as_of };
      await this.moves.apply(m, [{ leadId: lead.id, from: lead.stage, to: move.stage, actor, reason, engagement }], now);
    });
    return this.handoffs.get(id);
  }
}
