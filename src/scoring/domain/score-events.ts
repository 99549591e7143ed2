import { matchesCondition } from './condition.js';
import { addContribution, scoreAt, type ScoreState } from './decay.js';
import { parseFixedDuration } from './iso-duration.js';
import type { BehaviourRule, IntentTier, ScoringModelDefinition } from './scoring-model.types.js';

/** An event as the scorer sees it. `machine`: recorded by a privacy proxy, link scanner or bot. */
export interface EventFacts {
  id: string;
  type: string;
  occurredAt: Date;
  properties: Record<string, unknown>;
  machine: boolean;
  /**
   * True when the event is historical: it occurred longer before it was received than the live window
   * (EVENT_LIVE_WINDOW_HOURS; an import, a CRM sync). It scores (decayed by its age) but does not act as if it
   * just happened: it promotes nothing as high intent and fires no event trigger.
   */
  historical?: boolean;
}

/** An existing ledger row inside the cap windows (see {@link maxCapWindowMs}). */
export interface LedgerFact {
  ruleId: string;
  occurredAt: Date;
}

/** A ledger row to store: this event earned these points under this rule. */
export interface ContributionDraft {
  eventId: string;
  ruleId: string;
  description: string;
  points: number;
  occurredAt: Date;
}

export interface ScoreEventsInput {
  model: ScoringModelDefinition;
  state: ScoreState;
  /** Any order; scored in order of `occurredAt`, then `id`. */
  events: EventFacts[];
  recentLedger: LedgerFact[];
  now: Date;
  /**
   * For a recycled lead: when it was recycled, and the engagement it earned from events that occurred since then,
   * as of `state.asOf`. Only such events are new evidence: they alone add to it and may promote as high intent.
   */
  recycled?: { at: Date; earned: number } | null;
}

export interface ScoreEventsResult {
  state: ScoreState;
  contributions: ContributionDraft[];
  /** The first human, live event of a high-intent type (for a recycled lead: one that occurred since), if any. */
  highIntentEventId: string | null;
  /** For a recycled lead, the engagement earned since it was recycled, as of `state.asOf` (else null). */
  recycledEarned: number | null;
  /** Event id → tier. Machine events are `low`: a bot shows no intent. */
  tiers: Record<string, IntentTier>;
}

/**
 * Whether an event is historical: it occurred more than `liveWindowMs` before it was received (see
 * EventFacts.historical). A future-dated event is live.
 */
export function isHistorical(occurredAt: Date, receivedAt: Date, liveWindowMs: number): boolean {
  return receivedAt.getTime() - occurredAt.getTime() > liveWindowMs;
}

/** The tier of an event type; types the model does not list are `low`. */
export function intentTierOf(model: ScoringModelDefinition, type: string): IntentTier {
  return Object.hasOwn(model.intentTiers, type) ? model.intentTiers[type]! : 'low';
}

/** The longest cap window in the model, in ms (0 without caps): load ledger rows at least this far back. */
export function maxCapWindowMs(model: ScoringModelDefinition): number {
  return Math.max(0, ...model.behaviourRules.map((rule) => (rule.cap ? capWindowMs(rule) : 0)));
}

/**
 * Scores a batch of events for one lead: every behaviour rule an event matches contributes its
 * points (one event may match several rules), unless the rule's cap is already full in a window
 * that holds the event: no window of the cap's length ever holds more than `max` contributions of the
 * rule, whatever order the events arrive in (an event that arrives late is also checked against the
 * windows that hold it and later contributions). Machine events score nothing. Future-dated events count
 * as happening `now`. Historical events and, for a recycled lead, events from before it was recycled promote
 * nothing as high intent; the latter do not count in what a recycled lead earned since (see `recycled`).
 */
export function scoreEvents(input: ScoreEventsInput): ScoreEventsResult {
  const { model, now } = input;
  const events = [...input.events].sort(
    (a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  const caps = new CapCounter(input.recentLedger);
  const contributions: ContributionDraft[] = [];
  const tiers: Record<string, IntentTier> = {};
  let highIntentEventId: string | null = null;
  let state = input.state;
  const recycled = input.recycled ?? null;
  let earned: ScoreState | null = recycled && { value: recycled.earned, asOf: input.state.asOf };

  for (const event of events) {
    if (event.machine) {
      tiers[event.id] = 'low';
      continue;
    }
    const tier = intentTierOf(model, event.type);
    tiers[event.id] = tier;
    const newEvidence = !recycled || event.occurredAt.getTime() >= recycled.at.getTime();
    if (tier === 'high' && highIntentEventId === null && !event.historical && newEvidence) highIntentEventId = event.id;

    const rules = rulesOf(model).get(event.type);
    if (!rules) continue;
    const occurredAt = new Date(Math.min(event.occurredAt.getTime(), now.getTime()));
    const facts = { type: event.type, properties: event.properties };
    for (const prepared of rules) {
      const rule = prepared.rule;
      if (rule.where && !rule.where.every((cond) => matchesCondition(cond, facts))) continue;
      if (rule.cap && caps.fullestWindowWith(rule.id, occurredAt.getTime(), prepared.capMs) >= rule.cap.max) continue;

      caps.record(rule.id, occurredAt.getTime());
      contributions.push({ eventId: event.id, ruleId: rule.id, description: rule.description, points: rule.points, occurredAt });
      state = addContribution(state, rule.points, occurredAt, now, model.halfLifeDays);
      if (earned && newEvidence) earned = addContribution(earned, rule.points, occurredAt, now, model.halfLifeDays);
    }
  }
  // Both decay from the same moment, so they stay comparable whatever half-life a later model sets.
  const recycledEarned = earned && scoreAt(earned, state.asOf, model.halfLifeDays);
  return { state, contributions, highIntentEventId, recycledEarned, tiers };
}

/** A behaviour rule with its cap window in ms (0 without a cap). */
interface PreparedRule {
  rule: BehaviourRule;
  capMs: number;
}

/**
 * A model's behaviour rules by event type, in model order, built once per model object: every scored
 * event would otherwise walk every rule. Model versions are immutable and cached, so the object is stable.
 */
const RULES_BY_TYPE = new WeakMap<ScoringModelDefinition, Map<string, PreparedRule[]>>();

function rulesOf(model: ScoringModelDefinition): Map<string, PreparedRule[]> {
  let byType = RULES_BY_TYPE.get(model);
  if (!byType) {
    byType = new Map();
    for (const rule of model.behaviourRules) {
      const prepared = { rule, capMs: rule.cap ? capWindowMs(rule) : 0 };
      const list = byType.get(rule.eventType);
      if (list) list.push(prepared);
      else byType.set(rule.eventType, [prepared]);
    }
    RULES_BY_TYPE.set(model, byType);
  }
  return byType;
}

function capWindowMs(rule: BehaviourRule): number {
  const ms = rule.cap ? parseFixedDuration(rule.cap.window) : null;
  if (ms === null) throw new RangeError(`rule ${rule.id} has an invalid cap window; validate the model first`);
  return ms;
}

/** Contribution times per rule, from the stored ledger and from this batch. */
class CapCounter {
  private readonly times = new Map<string, number[]>();

  constructor(ledger: LedgerFact[]) {
    for (const row of ledger) this.record(row.ruleId, row.occurredAt.getTime());
  }

  record(ruleId: string, at: number): void {
    const list = this.times.get(ruleId);
    if (list) list.push(at);
    else this.times.set(ruleId, [at]);
  }

  /**
   * The most contributions of the rule that any window (s − windowMs, s] holding `at` (so s in
   * [at, at + windowMs)) already holds. Such a window's count only rises where s reaches a contribution,
   * so the windows ending at `at` and at each later contribution within windowMs are the ones to count.
   * Scored in time order, nothing is later than `at` and this is the window ending at `at`.
   */
  fullestWindowWith(ruleId: string, at: number, windowMs: number): number {
    const times = this.times.get(ruleId);
    if (!times) return 0;
    const countEndingAt = (end: number) => {
      let n = 0;
      for (const t of times) if (t > end - windowMs && t <= end) n++;
      return n;
    };
    let most = countEndingAt(at);
    for (const t of times) if (t > at && t < at + windowMs) most = Math.max(most, countEndingAt(t));
    return most;
  }
}
