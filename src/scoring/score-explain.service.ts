import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import type { LeadRow } from '../leads/lead.types.js';
import { currentPoints, evaluateMqlRule, mqlEngagement, scoreAt } from './domain/index.js';
import { ScoringModelService } from './scoring-model.service.js';

const round = (n: number) => Math.round(n * 100) / 100;

/** Answers "why is this lead an MQL?": scores now, MQL conditions, and the top contributions after decay. */
@Injectable()
export class ScoreExplainService {
  constructor(
    private readonly db: DataSource,
    private readonly models: ScoringModelService,
    private readonly clock: Clock,
  ) {}

  async explain(leadId: string, top = 20) {
    const now = this.clock.now();
    const [lead]: LeadRow[] = await this.db.query(`SELECT * FROM leads WHERE id = $1`, [leadId]);
    if (!lead) throw DomainError.notFound('Lead', leadId);
    const { version, definition } = await this.models.currentForRead();
    const halfLife = definition.halfLifeDays;
    const engagementScore = scoreAt({ value: lead.engagement_score, asOf: lead.engagement_as_of }, now, halfLife);
    // Decay shrinks every row by the same factor at a given instant, so ordering by points·2^(t/h) ranks by current weight;
    // ties go to the newest row, as in the hand-off snapshot's reasons (which promise this very ranking).
    const rows: { rule_id: string; description: string; event_id: string | null; points: number; occurred_at: Date; model_version: number }[] =
      await this.db.query(
        `SELECT rule_id, description, event_id, points, occurred_at, model_version FROM score_ledger WHERE lead_id = $1
          ORDER BY abs(points) * power(2, extract(epoch FROM occurred_at - $2::timestamptz) / $3) DESC, id DESC LIMIT $4`,
        [leadId, now.toISOString(), halfLife * 86400, top],
      );
    // A recycled lead re-qualifies on new evidence: the rule counts only the engagement earned since it was recycled.
    const recycledAt = lead.stage === 'recycled' ? lead.recycled_at : null;
    const counted = scoreAt({ value: mqlEngagement(lead.stage, lead.engagement_score, lead.recycled_engagement), asOf: lead.engagement_as_of }, now, halfLife);
    const mql = evaluateMqlRule(
      { engagementScore: counted, fitScore: lead.fit_score, qualification: lead.qualification, recycledAt, stage: lead.stage },
      definition.mql,
    );
    // How the lead became an MQL (its latest promotion): a high-intent event promotes whatever the rule says now.
    const [promoted]: { changed_at: Date; actor: string; reason: string; event_id: string | null; event_type: string | null }[] = await this.db.query(
      `SELECT s.changed_at, s.actor, s.reason, s.event_id, e.type AS event_type
         FROM stage_changes s LEFT JOIN events e ON e.id = s.event_id
        WHERE s.lead_id = $1 AND s.to_stage = 'mql' ORDER BY s.changed_at DESC, s.id DESC LIMIT 1`,
      [leadId],
    );
    return {
      leadId,
      stage: lead.stage,
      modelVersion: version,
      at: now.toISOString(),
      engagementScore: round(engagementScore),
      fitScore: round(lead.fit_score),
      mqlRule: { met: mql.met, missing: mql.missing, conditions: mql.conditions },
      recycled: recycledAt ? { at: recycledAt.toISOString(), engagementSinceRecycled: round(counted) } : null,
      promotion: promoted
        ? { at: promoted.changed_at.toISOString(), actor: promoted.actor, reason: promoted.reason, eventId: promoted.event_id, eventType: promoted.event_type }
        : null,
      contributions: rows.map((r) => ({
        ruleId: r.rule_id,
        description: r.description,
        eventId: r.event_id,
        points: r.points,
        currentPoints: round(currentPoints(r.points, r.occurred_at, now, halfLife)),
        at: r.occurred_at.toISOString(),
        modelVersion: r.model_version,
      })),
      fitContributions: lead.fit_contributions,
    };
  }
}
