import type { LeadRow } from '../leads/lead.types.js';
import type { LeadActivity } from '../lifecycle/lead-activity.js';
import type { StageChange } from '../lifecycle/stage-change.js';
import {
  type ContributionDraft,
  type EventFacts,
  intentTierOf,
  isHistorical,
  type LedgerFact,
  scoreAt,
  scoreEvents,
  type ScoringModelDefinition,
} from './domain/index.js';
import { promotionChanges, refreshLead } from './lead-refresh.js';

/**
 * What scoring decides for a batch of leads and their new events, before anything is written: ledger rows,
 * new scores, promotions and the activity to publish. Pure; LeadScoringService (and the ingest path) write it.
 */

/** What scoring reads of a lead: its score state and what fit and promotion look at (not every column: fewer to parse). */
export type ScoredLead = Pick<
  LeadRow,
  | 'id'
  | 'email'
  | 'job_title'
  | 'company'
  | 'attributes'
  | 'qualification'
  | 'source'
  | 'stage'
  | 'engagement_score'
  | 'engagement_as_of'
  | 'recycled_at'
  | 'recycled_engagement'
> &
  /** The stored fit, to tell whether scoring changes it (absent: taken to change). */
  Partial<Pick<LeadRow, 'fit_contributions' | 'fit_model_version'>>;

/** A stored, not yet scored event of a lead. */
export interface StoredEvent {
  id: string;
  lead_id: string;
  type: string;
  occurred_at: Date;
  properties: Record<string, unknown>;
  machine: boolean;
  /** When it was received (absent: `now`, for events scored as they are received). */
  received_at?: Date;
}

/** A lead's new scores; the fit only when it changed (a new model version, or other rules met). */
interface LeadUpdate {
  id: string;
  engagement: number;
  asOf: Date;
  fit?: number;
  fitContributions?: unknown;
  /** A recycled lead's engagement earned since it was recycled, as of `asOf`. */
  recycled?: number;
}

/** What scoring a batch of events will write: ledger rows, new scores, promotions and the activity to publish. */
export interface ScoringPlan {
  ledgerRows: (ContributionDraft & { leadId: string })[];
  updates: LeadUpdate[];
  changes: StageChange[];
  /**
   * Leads already MQL whose new events hold a high-intent one (a quote request, a booked meeting): no promotion,
   * but sales must hear at once, so their pending hand-off is raised to that event's priority (HandoffCreator).
   */
  escalations: { leadId: string; eventId: string; at: Date }[];
  activities: LeadActivity[];
}

/**
 * Scores each lead's new events on its current state (ledger rows within the cap windows in
 * `recent`), recomputes fit and decides promotions: pure, the caller writes the plan. With the model's
 * `version`, a lead whose scores do not change (no points earned, and the same fit rules met under the
 * same model version as stored) gets no update: nothing of it would change. Its activity is still published.
 * An event that occurred more than `liveWindowMs` before it was received is historical (see EventFacts;
 * EVENT_LIVE_WINDOW_HOURS; without it every event is live).
 */
export function planScoring(
  model: ScoringModelDefinition,
  leads: ScoredLead[],
  events: StoredEvent[],
  recent: Map<string, LedgerFact[]>,
  now: Date,
  version?: number,
  liveWindowMs = Number.POSITIVE_INFINITY,
): ScoringPlan {
  const byLead = groupBy(events, (e) => e.lead_id);
  const plan: ScoringPlan = { ledgerRows: [], updates: [], changes: [], escalations: [], activities: [] };
  for (const lead of leads) {
    const facts: EventFacts[] = (byLead.get(lead.id) ?? []).map((e) => ({
      id: e.id,
      type: e.type,
      occurredAt: e.occurred_at,
      properties: e.properties,
      machine: e.machine,
      ...(isHistorical(e.occurred_at, e.received_at ?? now, liveWindowMs) && { historical: true }),
    }));
    const recycled = lead.stage === 'recycled' && lead.recycled_at ? { at: lead.recycled_at, earned: lead.recycled_engagement ?? 0 } : null;
    const scored = scoreEvents({
      model,
      state: { value: lead.engagement_score, asOf: lead.engagement_as_of },
      events: facts,
      recentLedger: recent.get(lead.id) ?? [],
      now,
      recycled,
    });
    for (const c of scored.contributions) plan.ledgerRows.push({ ...c, leadId: lead.id });
    const interest = facts.find((e) => !e.machine && intentTierOf(model, e.type) !== 'low');
    const { fit, promotions } = refreshLead(recycled ? { ...lead, recycled_engagement: scored.recycledEarned } : lead, scored.state, model, now, {
      highIntentEventId: scored.highIntentEventId,
      interestEventId: interest?.id ?? null,
    });
    const fitChanged = version === undefined || !sameFit(lead, version, fit.contributions);
    if (fitChanged || scored.contributions.length) {
      const engagement = { id: lead.id, engagement: scored.state.value, asOf: scored.state.asOf, ...(recycled && { recycled: scored.recycledEarned! }) };
      plan.updates.push(fitChanged ? { ...engagement, fit: fit.score, fitContributions: fit.contributions } : engagement);
    }
    if (promotions.length) {
      plan.changes.push(...promotionChanges(lead.id, lead.stage, promotions, now));
    } else if (scored.highIntentEventId && lead.stage === 'mql') {
      plan.escalations.push({ leadId: lead.id, eventId: scored.highIntentEventId, at: now });
    }
    plan.activities.push({
      leadId: lead.id,
      at: now,
      created: false,
      stageBefore: lead.stage,
      stageAfter: promotions.at(-1)?.to ?? lead.stage,
      events: [...facts].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime()),
      engagementScore: scoreAt(scored.state, now, model.halfLifeDays),
    });
  }
  return plan;
}

/**
 * Whether the stored fit is the one just computed: the same model version and the same rules met, in
 * order (a version's rules fix each contribution's description and points).
 */
function sameFit(lead: ScoredLead, version: number, contributions: readonly { ruleId: string }[]): boolean {
  const stored = lead.fit_contributions;
  if (lead.fit_model_version !== version || !Array.isArray(stored) || stored.length !== contributions.length) return false;
  return contributions.every((c, i) => stored[i]?.ruleId === c.ruleId);
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
