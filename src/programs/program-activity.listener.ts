import { Injectable, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { NurtureMailer } from '../email/nurture-mailer.js';
import { LeadActivityHub, type LeadActivity, type LeadActivityListener } from '../lifecycle/lead-activity.js';
import { SuppressionService } from '../suppression/suppression.service.js';
import { decidableFromActivity, eventTypesIn, goalConditionTypes, goalHistoryTypes } from './domain/definition-needs.js';
import { evaluateCondition, goalMetOnEntry, goalReached, matchesPropertyFilter } from './domain/evaluate-condition.js';
import { interactionOf, type ConditionFacts, type LeadSnapshot } from './domain/lead-facts.js';
import type { Goal, ProgramDefinition, Trigger } from './domain/program-definition.js';
import { eventSatisfiesWait, type Waiting } from './domain/step-interpreter.js';
import { cancelEmailsOfEndedEnrollments } from './ended-enrollments.js';
import { insertCandidates, recordSkips, type EnrollmentCandidate, type EnrollmentVia, type SkipReason } from './enrollment-writer.js';
import { leadSnapshotOf, LEAD_SNAPSHOT_COLUMNS, type LeadSnapshotRow } from './lead-snapshot.js';
import { ProgramCatalog, programVersionKey } from './program-catalog.service.js';

interface ActiveEnrollment {
  id: string;
  programId: string;
  version: number;
  stepId: string;
  visit: number;
  waitingFor: Waiting | null;
  enrolledAt: string;
}

type LeadRow = LeadSnapshotRow & { id: string; enrollments: ActiveEnrollment[] };
type ActivityEvent = LeadActivity['events'][number];

/** A change to an enrollment decided from an activity: converted (goal), exited (opted out or disqualified), or woken (awaited event arrived). */
interface EnrollmentSignal {
  id: string;
  kind: 'goal' | 'exit' | 'wake';
  reason?: string;
  stepId: string;
  visit: number;
  matched: Record<string, unknown>;
}

/**
 * Reacts to lead activity inside the transaction that recorded it (scoring, lead upserts,
 * event-created leads), so each reaction happens exactly once: enrolls leads whose trigger
 * matched (or records them as skipped when they already meet the program's goal, or may not be mailed), converts
 * enrollments whose goal was reached, and wakes wait_until steps whose event arrived. A batch
 * costs a handful of set-based statements, whatever its size. Ends the enrollments of leads that
 * became unmailable (see {@link onUnmailable}).
 */
@Injectable()
export class ProgramActivityListener implements LeadActivityListener, OnModuleInit {
  constructor(
    private readonly hub: LeadActivityHub,
    private readonly catalog: ProgramCatalog,
    private readonly suppressions: SuppressionService,
    private readonly mailer: NurtureMailer,
  ) {}

  onModuleInit(): void {
    this.hub.register(this);
  }

  /** No live program (as read ahead by the transaction's first statement): nothing to enroll, convert or wake. */
  idle(m: EntityManager): boolean {
    return this.catalog.noneLiveReadAhead(m);
  }

  async onLeadActivity(m: EntityManager, activities: LeadActivity[]): Promise<void> {
    const programs = await this.catalog.live(m);
    if (!programs.length) return; // no live program, so no active enrollment either
    const leadIds = [...new Set(activities.map((a) => a.leadId))];
    const leads: LeadRow[] = await m.query(
      `SELECT l.id, ${LEAD_SNAPSHOT_COLUMNS},
              coalesce((SELECT jsonb_agg(jsonb_build_object('id', e.id, 'programId', e.program_id, 'version', e.program_version,
                         'stepId', e.current_step_id, 'visit', e.step_visit, 'waitingFor', e.waiting_for, 'enrolledAt', e.enrolled_at))
                  FROM enrollments e WHERE e.lead_id = l.id AND e.status = 'active'), '[]'::jsonb) AS enrollments
         FROM leads l WHERE l.id = ANY($1::uuid[])`,
      [leadIds],
    );
    const byId = new Map(leads.map((l) => [l.id, l]));
    const definitions = await this.catalog.definitionsOf(
      m,
      leads.flatMap((l) => l.enrollments.map((e) => ({ programId: e.programId, version: e.version }))),
    );
    // Entry filters and segment triggers test past events; so do the goals of programs a trigger may enroll into
    // (the entry check), and those of the leads' enrollments (see goalHistoryTypes).
    const enrolling = programs.filter((p) => p.status === 'active' && p.definition.trigger.type !== 'manual');
    const historyTypes = [
      ...programs.flatMap((p) => [...eventTypesIn(p.definition.entryFilter), ...segmentTypes(p.definition.trigger)]),
      ...enrolling.flatMap((p) => goalConditionTypes(p.definition.goal)),
      ...[...definitions.values()].flatMap((d) => goalHistoryTypes(d.goal)),
    ];
    const history = await this.eventHistory(m, historyTypes, leadIds, activities[0].at);

    const signals: EnrollmentSignal[] = [];
    const signalled = new Set<string>();
    const candidates: EnrollmentCandidate[] = [];
    const goalMet: (EnrollmentCandidate & { reason: SkipReason })[] = [];
    const entering = new Set<string>();
    for (const activity of activities) {
      const row = byId.get(activity.leadId);
      if (!row) continue;
      const lead = leadSnapshotOf(row, activity.engagementScore);
      const facts = factsFor(lead, activity, history.get(activity.leadId));
      for (const e of row.enrollments) {
        const def = definitions.get(programVersionKey(e.programId, e.version));
        if (!def || signalled.has(e.id)) continue;
        const signal = signalFor(e, def, facts, activity);
        if (signal) {
          signals.push(signal);
          signalled.add(e.id);
        }
      }
      const enrolledIn = new Set(row.enrollments.map((e) => e.programId));
      for (const p of programs) {
        if (p.status !== 'active' || enrolledIn.has(p.id)) continue;
        const via = triggered(p.definition.trigger, activity, lead, facts);
        if (!via || lead.stage === 'disqualified') continue;
        if (p.definition.entryFilter && !evaluateCondition(p.definition.entryFilter, facts)) continue;
        if (entering.has(`${p.id}|${activity.leadId}`)) continue;
        entering.add(`${p.id}|${activity.leadId}`);
        const candidate = { programId: p.id, version: p.version, definition: p.definition, leadId: activity.leadId, via };
        // A lead that already meets the goal would convert at once: it is not enrolled, and the skip is recorded. So is
        // one that may not be mailed (it would exit at once), as insertCandidates finds.
        if (goalMetOnEntry(p.definition.goal, facts)) goalMet.push({ ...candidate, reason: 'goal_already_met' });
        else candidates.push(candidate);
      }
    }
    await this.apply(m, signals, activities[0].at);
    await insertCandidates(m, candidates, activities[0].at);
    await recordSkips(m, goalMet, activities[0].at);
  }

  /**
   * Leads that just opted out, were put on the suppression list or were erased (LeadActivityHub.unmailable):
   * every active enrollment of theirs exits now, with why the lead may not be mailed as sendBlock names it (the
   * list's reason before consent_withdrawn, manual after it), as the scheduler would at its next step, which may
   * be weeks away. A lead with no lawful basis recorded yet (never consented) has not opted out: it is not
   * named here, and the scheduler keeps its grace (LAWFUL_BASIS_GRACE_MS) before it exits.
   */
  async onUnmailable(m: EntityManager, leadIds: string[], at: Date): Promise<void> {
    const active: { id: string; lead_id: string; current_step_id: string; step_visit: number }[] = await m.query(
      `SELECT id, lead_id, current_step_id, step_visit FROM enrollments WHERE lead_id = ANY($1::uuid[]) AND status = 'active'`,
      [leadIds],
    );
    if (!active.length) return;
    const reasons = await this.suppressions.suppressedAmong(m, [...new Set(active.map((e) => e.lead_id))]);
    const signals: EnrollmentSignal[] = [];
    for (const e of active) {
      const reason = reasons.get(e.lead_id);
      if (reason) signals.push({ id: e.id, kind: 'exit', reason, stepId: e.current_step_id, visit: e.step_visit, matched: {} });
    }
    await this.apply(m, signals, at);
  }

  /**
   * Latest human event per lead and type (up to now), for the types live triggers, entry filters and the
   * entry goal check test (goalConditionTypes), and those the goals of the leads' enrollments need beyond the
   * activity's own events (goalHistoryTypes).
   */
  private async eventHistory(m: EntityManager, wanted: string[], leadIds: string[], now: Date): Promise<Map<string, Map<string, Date>>> {
    const types = [...new Set(wanted)];
    const out = new Map<string, Map<string, Date>>();
    if (!types.length) return out;
    const rows: { lead_id: string; type: string; at: Date }[] = await m.query(
      `SELECT lead_id, type, max(occurred_at) AS at FROM events
        WHERE lead_id = ANY($1::uuid[]) AND type = ANY($2::text[]) AND NOT machine AND occurred_at <= $3 GROUP BY lead_id, type`,
      [leadIds, types, now.toISOString()],
    );
    for (const r of rows) out.set(r.lead_id, (out.get(r.lead_id) ?? new Map()).set(r.type, r.at));
    return out;
  }

  /**
   * Converts, exits and wakes the enrollments signalled. In the same transaction the emails still queued of those that
   * ended (converted, or exited: disqualified, an opt-out or listing) are cancelled with the reason their delivery's
   * claim would give (cancelEmailsOfEndedEnrollments, as the scheduler's exits do; archiving and unenrolling call
   * NurtureMailer.cancelQueued with their one reason): the message list and program stats are right at once, and a
   * delivery job that comes for one later finds nothing to send.
   */
  private async apply(m: EntityManager, signals: EnrollmentSignal[], at: Date): Promise<void> {
    if (!signals.length) return;
    signals.sort((a, b) => a.id.localeCompare(b.id)); // one lock order for concurrent publishers
    const ended: { id: string; status: string; exit_reason: string | null }[] = await m.query(
      `WITH changed AS (UPDATE enrollments e SET
         status = CASE u.kind WHEN 'goal' THEN 'converted' WHEN 'exit' THEN 'exited' ELSE e.status END,
         exit_reason = CASE WHEN u.kind = 'wake' THEN e.exit_reason ELSE u.reason END,
         finished_at = CASE WHEN u.kind = 'wake' THEN e.finished_at ELSE $7::timestamptz END,
         next_run_at = CASE WHEN u.kind = 'wake' THEN $7::timestamptz ELSE NULL END,
         waiting_for = CASE WHEN u.kind = 'wake' THEN e.waiting_for || u.matched ELSE e.waiting_for END,
         updated_at = $7::timestamptz
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::jsonb[], $6::text[]) AS u(id, kind, step, visit, matched, reason)
       WHERE e.id = u.id AND e.status = 'active'
         AND (u.kind <> 'wake' OR (e.current_step_id = u.step AND e.step_visit = u.visit
              AND e.waiting_for->>'kind' = 'event' AND NOT e.waiting_for ? 'matchedAt'))
       RETURNING e.id, e.status, e.exit_reason)
       SELECT id, status, exit_reason FROM changed WHERE status IN ('converted', 'exited')`,
      [
        signals.map((s) => s.id),
        signals.map((s) => s.kind),
        signals.map((s) => s.stepId),
        signals.map((s) => s.visit),
        signals.map((s) => JSON.stringify(s.matched)),
        signals.map((s) => s.reason ?? null),
        at.toISOString(),
      ],
    );
    await cancelEmailsOfEndedEnrollments(m, this.mailer, ended.map((e) => ({ id: e.id, status: e.status, exitReason: e.exit_reason })));
  }
}

function segmentTypes(trigger: Trigger): string[] {
  return trigger.type === 'segment' ? eventTypesIn(trigger.where) : [];
}

/** What conditions can know here: the lead row, this activity's events, and the loaded history. */
function factsFor(lead: LeadSnapshot, activity: LeadActivity, history: Map<string, Date> | undefined): ConditionFacts & { human: ActivityEvent[] } {
  const human = activity.events.filter((e) => !e.machine);
  return {
    lead,
    now: activity.at,
    human,
    lastEventAt: (type) => {
      const times = human.filter((e) => e.type === type).map((e) => e.occurredAt.getTime());
      const known = history?.get(type);
      if (known) times.push(known.getTime());
      return times.length ? new Date(Math.max(...times)) : null;
    },
    interacted: () => false,
  };
}

function signalFor(
  e: ActiveEnrollment,
  def: ProgramDefinition,
  facts: ConditionFacts & { human: ActivityEvent[] },
  activity: LeadActivity,
): EnrollmentSignal | null {
  const enrolledAt = new Date(e.enrolledAt);
  // Interactions of this enrollment's emails seen in the activity count for the goal too.
  const own: ConditionFacts = {
    ...facts,
    interacted: (kind, stepId) =>
      facts.human.some((ev) => interactionOf(ev.type) === kind && ev.properties.stepId === stepId && ev.properties.enrollmentId === e.id),
  };
  if (goalReached(decidablePart(def.goal), own, enrolledAt)) {
    return { id: e.id, kind: 'goal', reason: 'goal', stepId: e.stepId, visit: e.visit, matched: {} };
  }
  // An opt-out (unsubscribe, bounce, complaint, withdrawn consent, suppression) ended the enrollments when it was
  // recorded (onUnmailable); a lead's later activity finds none of them active.
  // Disqualified (by sales) is never nurtured again: end it now, not at its next step, which may be weeks away.
  if (activity.stageAfter === 'disqualified') return { id: e.id, kind: 'exit', reason: 'disqualified', stepId: e.stepId, visit: e.visit, matched: {} };
  const waiting = e.waitingFor;
  if (waiting?.kind !== 'event' || waiting.matchedAt) return null;
  const since = Date.parse(waiting.since);
  // The timeout instant itself belongs to the else path (the interpreter takes it once now >= timeoutAt): an event
  // that happened then or later, say while the program was paused and the timeout went unhandled, is too late.
  const timeoutAt = Date.parse(waiting.timeoutAt);
  const hit = facts.human.find(
    (ev) => ev.occurredAt.getTime() >= since - 1000 && ev.occurredAt.getTime() < timeoutAt && eventSatisfiesWait(waiting, e.id, ev),
  );
  if (!hit) return null;
  return { id: e.id, kind: 'wake', stepId: e.stepId, visit: e.visit, matched: { matchedAt: activity.at.toISOString(), eventId: hit.id } };
}

/** The part of a goal the listener may decide; an allOf with an undecidable criterion is left to the scheduler. */
function decidablePart(goal: Goal): Goal {
  if ('anyOf' in goal) return { anyOf: goal.anyOf.filter(decidableFromActivity) };
  return goal.allOf.every(decidableFromActivity) ? goal : { anyOf: [] };
}

function triggered(trigger: Trigger, activity: LeadActivity, lead: LeadSnapshot, facts: ConditionFacts & { human: ActivityEvent[] }): EnrollmentVia | null {
  switch (trigger.type) {
    case 'event':
      // A historical event (imported, long after it happened) still counts for segments, goals and past-event
      // conditions, but is no reason to react now ("we saw your request").
      return facts.human.some((e) => !e.historical && e.type === trigger.eventType && matchesPropertyFilter(trigger.where, { properties: e.properties }))
        ? 'event'
        : null;
    case 'lead_created':
      // A prospect: a lead created as customer or disqualified (a CRM import) is no new lead to nurture.
      return activity.created && (activity.stageAfter === 'subscriber' || activity.stageAfter === 'lead') && matchesPropertyFilter(trigger.where, { source: lead.source })
        ? 'lead_created'
        : null;
    case 'stage_entered':
      return activity.stageBefore !== activity.stageAfter && activity.stageAfter === trigger.stage ? 'stage_entered' : null;
    case 'segment':
      return evaluateCondition(trigger.where, facts) ? 'segment' : null;
    case 'manual':
      return null;
  }
}
