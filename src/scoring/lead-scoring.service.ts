import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import type { LeadRow } from '../leads/lead.types.js';
import { LeadActivity, LeadActivityHub } from '../lifecycle/lead-activity.js';
import { applyStageChanges, StageChange } from '../lifecycle/stage-change.js';
import { ContributionDraft, EventFacts, intentTierOf, LedgerFact, maxCapWindowMs, scoreAt, scoreEvents } from './domain/index.js';
import { refreshLead } from './lead-refresh.js';
import { ScoringModelService } from './scoring-model.service.js';

/** What scoring reads of a lead: its score state and what fit and promotion look at (not every column: fewer to parse). */
type ScoredLead = Pick<
  LeadRow,
  'id' | 'email' | 'job_title' | 'company' | 'attributes' | 'qualification' | 'source' | 'stage' | 'engagement_score' | 'engagement_as_of'
>;

interface QueuedEventRow {
  id: string;
  lead_id: string;
  type: string;
  occurred_at: Date;
  properties: Record<string, unknown>;
  machine: boolean;
}

interface LeadUpdate {
  id: string;
  engagement: number;
  asOf: Date;
  fit: number;
  fitContributions: unknown;
}

export interface ScoringResult {
  leads: number;
  events: number;
  promotions: number;
  /** Asked-for leads with waiting events that another transaction held locked (skipped; worth another look shortly). */
  lockedElsewhere: string[];
}

/**
 * Turns accepted events into points, exactly once: a batch locks its leads (SKIP LOCKED, so
 * several workers share the work), takes their events off the scoring queue, writes ledger rows,
 * new scores and any promotion, all in one transaction.
 */
@Injectable()
export class LeadScoringService {
  constructor(
    private readonly db: DataSource,
    private readonly models: ScoringModelService,
    private readonly clock: Clock,
    private readonly activity: LeadActivityHub,
  ) {}

  async scorePending(leadIds: string[]): Promise<ScoringResult> {
    if (!leadIds.length) return { leads: 0, events: 0, promotions: 0, lockedElsewhere: [] };
    return this.db.transaction((m) => this.scoreInTransaction(m, leadIds));
  }

  /** Lead ids with events waiting longer than `olderThanMs` (the sweep's safety net when Redis lost a job). */
  async leadsWaiting(olderThanMs: number, limit: number): Promise<string[]> {
    const rows: { lead_id: string }[] = await this.db.query(
      `SELECT DISTINCT lead_id FROM (
         SELECT lead_id FROM scoring_queue WHERE enqueued_at < now() - make_interval(secs => $1) ORDER BY enqueued_at LIMIT $2
       ) q`,
      [olderThanMs / 1000, limit],
    );
    return rows.map((r) => r.lead_id);
  }

  private async scoreInTransaction(m: EntityManager, leadIds: string[]): Promise<ScoringResult> {
    const now = this.clock.now();
    const { version, definition: model } = await this.models.current(m);
    const leads: ScoredLead[] = await m.query(
      `SELECT id, email, job_title, company, attributes, qualification, source, stage, engagement_score, engagement_as_of
         FROM leads WHERE id IN (SELECT lead_id FROM scoring_queue WHERE lead_id = ANY($1::uuid[]))
        ORDER BY id FOR NO KEY UPDATE SKIP LOCKED`,
      [leadIds],
    );
    const lockedElsewhere = leads.length < leadIds.length ? await this.waitingAmong(m, leadIds, leads) : [];
    if (!leads.length) return { leads: 0, events: 0, promotions: 0, lockedElsewhere };
    const ids = leads.map((l) => l.id);
    const events: QueuedEventRow[] = await m.query(
      `WITH taken AS (DELETE FROM scoring_queue WHERE lead_id = ANY($1::uuid[]) RETURNING event_id)
       SELECT e.id, e.lead_id, e.type, e.occurred_at, e.properties, e.machine FROM events e JOIN taken t ON t.event_id = e.id`,
      [ids],
    );
    const byLead = groupBy(events, (e) => e.lead_id);
    const ledgerByLead = await this.recentLedger(m, ids, events, maxCapWindowMs(model));

    const ledgerRows: (ContributionDraft & { leadId: string })[] = [];
    const updates: LeadUpdate[] = [];
    const changes: StageChange[] = [];
    const activities: LeadActivity[] = [];
    for (const lead of leads) {
      const facts: EventFacts[] = (byLead.get(lead.id) ?? []).map((e) => ({
        id: e.id,
        type: e.type,
        occurredAt: e.occurred_at,
        properties: e.properties,
        machine: e.machine,
      }));
      const scored = scoreEvents({
        model,
        state: { value: lead.engagement_score, asOf: lead.engagement_as_of },
        events: facts,
        recentLedger: ledgerByLead.get(lead.id) ?? [],
        now,
      });
      for (const c of scored.contributions) ledgerRows.push({ ...c, leadId: lead.id });
      const interest = facts.find((e) => !e.machine && intentTierOf(model, e.type) !== 'low');
      const { fit, promotion } = refreshLead(lead, scored.state, model, now, {
        highIntentEventId: scored.highIntentEventId,
        interestEventId: interest?.id ?? null,
      });
      updates.push({ id: lead.id, engagement: scored.state.value, asOf: scored.state.asOf, fit: fit.score, fitContributions: fit.contributions });
      if (promotion) {
        changes.push({
          leadId: lead.id,
          from: lead.stage,
          to: promotion.to,
          actor: 'scoring',
          reason: promotion.reason,
          eventId: promotion.eventId,
          at: now,
        });
      }
      activities.push({
        leadId: lead.id,
        at: now,
        created: false,
        stageBefore: lead.stage,
        stageAfter: promotion?.to ?? lead.stage,
        events: [...facts].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime()),
        engagementScore: scoreAt(scored.state, now, model.halfLifeDays),
      });
    }
    await this.writeLedger(m, ledgerRows, version);
    await this.writeScores(m, updates, version, now);
    await applyStageChanges(m, changes);
    await this.activity.publish(m, activities);
    return { leads: leads.length, events: events.length, promotions: changes.length, lockedElsewhere };
  }

  /** Of the asked-for leads not locked here, those that still have events waiting (so another transaction holds them). */
  private async waitingAmong(m: EntityManager, asked: string[], locked: ScoredLead[]): Promise<string[]> {
    const mine = new Set(locked.map((l) => l.id));
    const others = [...new Set(asked.filter((id) => !mine.has(id)))];
    if (!others.length) return [];
    const rows: { lead_id: string }[] = await m.query(`SELECT DISTINCT lead_id FROM scoring_queue WHERE lead_id = ANY($1::uuid[])`, [others]);
    return rows.map((r) => r.lead_id);
  }

  private async recentLedger(
    m: EntityManager,
    leadIds: string[],
    events: QueuedEventRow[],
    windowMs: number,
  ): Promise<Map<string, LedgerFact[]>> {
    if (windowMs <= 0 || !events.length) return new Map();
    const earliest = events.reduce((min, e) => Math.min(min, e.occurred_at.getTime()), Infinity);
    const rows: { lead_id: string; rule_id: string; occurred_at: Date }[] = await m.query(
      `SELECT lead_id, rule_id, occurred_at FROM score_ledger WHERE lead_id = ANY($1::uuid[]) AND occurred_at > $2`,
      [leadIds, new Date(earliest - windowMs).toISOString()],
    );
    const out = new Map<string, LedgerFact[]>();
    for (const r of rows) {
      const list = out.get(r.lead_id) ?? [];
      list.push({ ruleId: r.rule_id, occurredAt: r.occurred_at });
      out.set(r.lead_id, list);
    }
    return out;
  }

  private async writeLedger(m: EntityManager, rows: (ContributionDraft & { leadId: string })[], version: number) {
    if (!rows.length) return;
    await m.query(
      `INSERT INTO score_ledger (lead_id, event_id, rule_id, model_version, description, points, occurred_at)
       SELECT l, e, r, $4, d, p, o FROM unnest($1::uuid[], $2::uuid[], $3::text[], $5::text[], $6::float8[], $7::timestamptz[])
         AS x(l, e, r, d, p, o)`,
      [
        rows.map((r) => r.leadId),
        rows.map((r) => r.eventId),
        rows.map((r) => r.ruleId),
        version,
        rows.map((r) => r.description),
        rows.map((r) => r.points),
        rows.map((r) => r.occurredAt.toISOString()),
      ],
    );
  }

  private async writeScores(m: EntityManager, updates: LeadUpdate[], version: number, now: Date) {
    await m.query(
      `UPDATE leads l SET engagement_score = u.engagement, engagement_as_of = u.as_of, fit_score = u.fit,
              fit_contributions = u.fit_contributions, fit_model_version = $6, updated_at = $7
         FROM unnest($1::uuid[], $2::float8[], $3::timestamptz[], $4::float8[], $5::jsonb[])
           AS u(id, engagement, as_of, fit, fit_contributions)
        WHERE l.id = u.id`,
      [
        updates.map((u) => u.id),
        updates.map((u) => u.engagement),
        updates.map((u) => u.asOf.toISOString()),
        updates.map((u) => u.fit),
        updates.map((u) => JSON.stringify(u.fitContributions)),
        version,
        now.toISOString(),
      ],
    );
  }
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}
