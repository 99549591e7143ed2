import { Inject, Injectable } from '@nestjs/common';
import { epochMsSql } from '../infra/database/epoch-ms.js';
import { RESTORE_PLAN_MODE_COLUMN } from '../infra/database/plan-mode.js';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { LeadActivityHub } from '../lifecycle/lead-activity.js';
import { recordDomainEvents } from '../lifecycle/outbox.js';
import { applyStageChanges } from '../lifecycle/stage-change.js';
import { LedgerFact, maxCapWindowMs, type ScoringModelDefinition } from './domain/index.js';
import { preparedQuery } from '../infra/database/prepared-query.js';
import { ScoringModelService, type ScoringModelVersion } from './scoring-model.service.js';
import { planScoring, type ScoredLead, type ScoringPlan, type StoredEvent } from './scoring-plan.js';

/** The columns of a {@link ScoredLead}, for callers that lock leads themselves. */
export const SCORED_LEAD_COLUMNS =
  'id, email, job_title, company, attributes, qualification, source, stage, engagement_score, engagement_as_of, fit_contributions, fit_model_version, recycled_at, recycled_engagement';

/**
 * Takes the waiting events of locked leads off the scoring queue and reads them. The events are fetched by
 * primary key, one probe each (= ANY of an array): joined to the taken ids, a few hundred of them made the
 * planner merge-join the whole events index (60,000 entries read for 556). The time comes as ms since the epoch (see
 * epochMsSql), as {@link takeQueuedEvents} reads it. (One JSON array of all the events instead of rows spared
 * this process 3–4 µs per event but cost PostgreSQL 4–5 µs more, turning each jsonb property set to text.)
 * Only queue rows no other transaction has locked are taken. A sweep may hold a row of a lead this
 * transaction has locked (it took the row, then found the lead held); waiting for it could deadlock, since
 * that sweep may in turn reach for a row this one holds. A skipped row stays queued for a later sweep. Rows are
 * deleted by their ctid, stable while this transaction holds them.
 */
export const TAKE_QUEUED_EVENTS_SQL = `WITH taken AS (
         DELETE FROM scoring_queue WHERE ctid = ANY (ARRAY(
           SELECT ctid FROM scoring_queue WHERE lead_id = ANY($1::uuid[]) FOR UPDATE SKIP LOCKED))
         RETURNING event_id)
       SELECT e.id, e.lead_id, e.type, ${epochMsSql('e.occurred_at')} AS at, ${epochMsSql('e.received_at')} AS received, e.properties, e.machine
         FROM events e WHERE e.id = ANY (ARRAY(SELECT event_id FROM taken))`;

/** Runs {@link TAKE_QUEUED_EVENTS_SQL} for leads locked in this transaction: their waiting events, now off the queue. */
export async function takeQueuedEvents(m: EntityManager, leadIds: string[]): Promise<StoredEvent[]> {
  const rows: (Omit<StoredEvent, 'occurred_at' | 'received_at'> & { at: number; received: number })[] = await m.query(TAKE_QUEUED_EVENTS_SQL, [leadIds]);
  return rows.map((r) => ({
    id: r.id,
    lead_id: r.lead_id,
    type: r.type,
    occurred_at: new Date(r.at),
    received_at: new Date(r.received),
    properties: r.properties,
    machine: r.machine,
  }));
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
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'eventLiveWindowMs'>,
  ) {}

  async scorePending(leadIds: string[]): Promise<ScoringResult> {
    if (!leadIds.length) return { leads: 0, events: 0, promotions: 0, lockedElsewhere: [] };
    return this.db.transaction((m) => this.scoreInTransaction(m, leadIds));
  }

  /**
   * Scores, in one transaction, the leads of the `limit` longest-waiting queue rows that have waited at least
   * `waitedMs` (tracked opens and clicks wait out the scanner-burst window this way, and rows whose job was lost
   * are found). Each lead's younger waiting events are taken with it, so a lead active several times within
   * `waitedMs` is scored once. (Holding back the younger clicks instead, so a scanner burst could still mark
   * them, cost PostgreSQL 25–30 µs more per hit in `npm run bench -- tracking-cost`. A click taken early and then
   * marked a scanner's by a later click keeps its points, like any click scored before the mark; the tracking
   * jobs this replaces did the same.) Leads another transaction holds are skipped (the next run has them), and
   * so are queue rows another sweep has taken (`FOR UPDATE SKIP LOCKED`): sweeps in several workers share a
   * backlog, each taking the next rows instead of all reaching for the same oldest ones.
   */
  async scoreDue(waitedMs: number, limit: number): Promise<ScoringResult> {
    return this.db.transaction(async (m) => {
      const leads: ScoredLead[] = await m.query(
        `SELECT ${SCORED_LEAD_COLUMNS}
           FROM leads WHERE id IN (
             SELECT lead_id FROM scoring_queue WHERE enqueued_at < now() - make_interval(secs => $1)
              ORDER BY enqueued_at LIMIT $2 FOR UPDATE SKIP LOCKED)
          ORDER BY id FOR NO KEY UPDATE SKIP LOCKED`,
        [waitedMs / 1000, limit],
      );
      return this.takeAndScore(m, leads, []);
    });
  }

  private async scoreInTransaction(m: EntityManager, leadIds: string[]): Promise<ScoringResult> {
    const leads: ScoredLead[] = await m.query(
      `SELECT ${SCORED_LEAD_COLUMNS}
         FROM leads WHERE id IN (SELECT lead_id FROM scoring_queue WHERE lead_id = ANY($1::uuid[]))
        ORDER BY id FOR NO KEY UPDATE SKIP LOCKED`,
      [leadIds],
    );
    const lockedElsewhere = leads.length < leadIds.length ? await this.waitingAmong(m, leadIds, leads) : [];
    return this.takeAndScore(m, leads, lockedElsewhere);
  }

  /** Takes the waiting events of leads locked in this transaction off the queue and scores them with the current model. */
  private async takeAndScore(m: EntityManager, leads: ScoredLead[], lockedElsewhere: string[]): Promise<ScoringResult> {
    if (!leads.length) return { leads: 0, events: 0, promotions: 0, lockedElsewhere };
    const now = this.clock.now();
    const current = await this.models.current(m);
    const events = await takeQueuedEvents(m, leads.map((l) => l.id));
    const promotions = await this.scoreLocked(m, current, leads, events, now);
    return { leads: leads.length, events: events.length, promotions, lockedElsewhere };
  }

  /**
   * Scores events stored in the caller's transaction, for leads it holds locked (FOR NO KEY UPDATE,
   * read under that lock): writes their ledger rows, new scores, any promotion with its outbox event,
   * and publishes the activity, all in that transaction. Returns the number of promotions.
   */
  async scoreLocked(
    m: EntityManager,
    current: Pick<ScoringModelVersion, 'version' | 'definition'>,
    leads: ScoredLead[],
    events: StoredEvent[],
    now: Date,
  ): Promise<number> {
    const recent = await this.recentLedger(m, leads.map((l) => l.id), events, current.definition);
    const plan = planScoring(current.definition, leads, events, recent, now, current.version, this.config.eventLiveWindowMs);
    await this.persist(m, plan, current.version, now);
    return this.finish(m, plan);
  }

  /**
   * Writes a plan's ledger rows and new scores in one statement; with `events` (a JSON array of
   * {@link EventRecord}), stores those events in the same statement (see {@link persistStatement}: a key
   * stored meanwhile fails it). Returns how many events were stored and, when some had keys, their ids.
   */
  async persist(
    m: EntityManager,
    plan: ScoringPlan,
    version: number,
    now: Date,
    events?: { json: string; keyed: boolean },
    /** The caller forced generic plans for its statements up to this one (see plan-mode): the default comes back after it. */
    opts: { restorePlanMode?: boolean } = {},
  ): Promise<{ count: number; ids: string[] | null }> {
    if (!plan.updates.length && !events) return { count: 0, ids: null };
    const statement = persistStatement(plan, version, now, events, opts);
    const [stored] = await preparedQuery<{ count: number; ids: string[] | null }>(m, statement.text, statement.values);
    return stored;
  }

  /** Whether {@link finish} would do nothing in this transaction: no promotion or escalation, and no activity listener with work (see LeadActivityHub.quiet). */
  quietFinish(m: EntityManager, plan: ScoringPlan): boolean {
    return !plan.changes.length && !plan.escalations.length && this.activity.quiet(m);
  }

  /**
   * Applies a plan's promotions, asks for its escalations (a high-intent event of a lead already MQL: a
   * `handoff.requested` outbox event that raises its pending hand-off) and publishes its activity (after
   * {@link persist}); returns the number of promotions.
   */
  async finish(m: EntityManager, plan: ScoringPlan): Promise<number> {
    await applyStageChanges(m, plan.changes);
    await recordDomainEvents(
      m,
      plan.escalations.map((e) => ({ type: 'handoff.requested', leadId: e.leadId, payload: { reason: 'high_intent_event', eventId: e.eventId }, occurredAt: e.at })),
    );
    await this.activity.publish(m, plan.activities);
    return plan.changes.length;
  }

  /** Of the asked-for leads not locked here, those that still have events waiting (so another transaction holds them). */
  private async waitingAmong(m: EntityManager, asked: string[], locked: ScoredLead[]): Promise<string[]> {
    const mine = new Set(locked.map((l) => l.id));
    const others = [...new Set(asked.filter((id) => !mine.has(id)))];
    if (!others.length) return [];
    const rows: { lead_id: string }[] = await m.query(`SELECT DISTINCT lead_id FROM scoring_queue WHERE lead_id = ANY($1::uuid[])`, [others]);
    return rows.map((r) => r.lead_id);
  }

  /** Ledger rows inside the cap windows, of the capped rules these events could meet (none without caps). */
  async recentLedger(
    m: EntityManager,
    leadIds: string[],
    events: StoredEvent[],
    model: ScoringModelDefinition,
  ): Promise<Map<string, LedgerFact[]>> {
    const windowMs = maxCapWindowMs(model);
    const capped = model.behaviourRules.filter((r) => r.cap);
    const cappedTypes = new Set(capped.map((r) => r.eventType));
    const relevant = events.filter((e) => !e.machine && cappedTypes.has(e.type));
    if (windowMs <= 0 || !relevant.length) return new Map();
    const wanted = new Set(relevant.map((e) => e.lead_id));
    const earliest = relevant.reduce((min, e) => Math.min(min, e.occurred_at.getTime()), Infinity);
    // One JSON value for all of it (lead id → [rule id, occurred_at in ms since the epoch] pairs): a lead's
    // capped rules often have several rows in the window, and one JSON.parse costs far less than a row each.
    const [{ ledger }]: { ledger: Record<string, [string, number][]> | null }[] = await m.query(
      `SELECT json_object_agg(lead_id, facts) AS ledger FROM (
         SELECT lead_id, json_agg(json_build_array(rule_id, ${epochMsSql('occurred_at')})) AS facts FROM score_ledger
          WHERE lead_id = ANY($1::uuid[]) AND occurred_at > $2 AND rule_id = ANY($3::text[]) GROUP BY lead_id) x`,
      [leadIds.filter((id) => wanted.has(id)), new Date(earliest - windowMs).toISOString(), capped.map((r) => r.id)],
    );
    const out = new Map<string, LedgerFact[]>();
    for (const leadId in ledger) out.set(leadId, ledger[leadId].map(([ruleId, at]) => ({ ruleId, occurredAt: new Date(at) })));
    return out;
  }
}

/**
 * The statement {@link LeadScoringService.persist} runs (text and parameters), for callers that send it
 * themselves: it writes a plan's ledger rows and new scores; with `events` (a JSON array of
 * {@link EventRecord}) it also stores those events, idempotency-keyed ones in key order. With events, a key
 * already stored (by a concurrent transaction since the caller looked) fails the statement with a unique
 * violation on `events_idempotency`, so nothing of it is written and the caller can try again (see
 * {@link isConcurrentKeyError}). Its one row: how many events were stored and, when some had keys, their ids.
 * Batches whose records hold jsonb values (event properties, fit contributions) are read as jsonb: the json
 * form parses every nested value a second time to fill its jsonb column.
 */
export function persistStatement(
  plan: ScoringPlan,
  version: number,
  now: Date,
  events?: { json: string; keyed: boolean },
  opts: { restorePlanMode?: boolean } = {},
): { text: string; values: unknown[] } {
  return {
    text: `WITH ev AS (
         INSERT INTO events (id, lead_id, type, occurred_at, properties, idempotency_key, received_at)
         SELECT id, lead_id, type, occurred_at, properties, key, received_at
           FROM jsonb_to_recordset($1::jsonb)
             AS x(id uuid, lead_id uuid, type text, occurred_at timestamptz, properties jsonb, key text, received_at timestamptz)
          ${events?.keyed ? 'ORDER BY key NULLS LAST' : ''}
         RETURNING id
       ), ledger AS (
         INSERT INTO score_ledger (lead_id, event_id, rule_id, model_version, description, points, occurred_at)
         SELECT l, e, r, $3, d, p, o FROM json_to_recordset($2::json) AS x(l uuid, e uuid, r text, d text, p float8, o timestamptz)
          -- with events: only rows of events stored
          WHERE NOT $7 OR x.e IN (SELECT id FROM ev)
       ), scores AS (
         -- f and c only for leads whose fit changed (the others already have this version's fit)
         UPDATE leads l SET engagement_score = u.v, engagement_as_of = u.a, fit_score = coalesce(u.f, l.fit_score),
                fit_contributions = coalesce(u.c, l.fit_contributions), fit_model_version = $3,
                -- updated_at (indexed for GET /leads?updatedSince) moves only when the fit changes: points alone keep the
                -- update HOT, as scoring writes a lead for every scored batch (see migration 1764001000000)
                updated_at = CASE WHEN u.f IS NULL THEN l.updated_at ELSE $5 END,
                recycled_engagement = coalesce(u.r, l.recycled_engagement)
           FROM jsonb_to_recordset($4::jsonb) AS u(id uuid, v float8, a timestamptz, f float8, c jsonb, r float8)
          WHERE l.id = u.id
       )
       SELECT count(*)::int AS count, CASE WHEN $6 THEN array_agg(id) END AS ids${opts.restorePlanMode ? `, ${RESTORE_PLAN_MODE_COLUMN}` : ''} FROM ev`,
    values: [
      events?.json ?? '[]',
      JSON.stringify(plan.ledgerRows.map((r) => ({ l: r.leadId, e: r.eventId, r: r.ruleId, d: r.description, p: r.points, o: r.occurredAt }))),
      version,
      JSON.stringify(plan.updates.map((u) => ({ id: u.id, v: u.engagement, a: u.asOf, f: u.fit, c: u.fitContributions, r: u.recycled }))),
      now.toISOString(),
      events?.keyed ?? false,
      events !== undefined,
    ],
  };
}

/** The error {@link persistStatement} fails with when an event's idempotency key was stored meanwhile. */
export function isConcurrentKeyError(err: unknown): boolean {
  const e = err as { code?: string; constraint?: string } | null;
  return e?.code === '23505' && e.constraint === 'events_idempotency';
}

/** An event row as {@link LeadScoringService.persist} stores it (JSON field names). */
export interface EventRecord {
  id: string;
  lead_id: string;
  type: string;
  occurred_at: Date;
  properties: Record<string, unknown>;
  key: string | null;
  received_at: string;
}
