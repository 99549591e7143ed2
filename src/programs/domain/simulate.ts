import { goalMetOnEntry, goalReached } from './evaluate-condition.js';
import type { FrequencyCap } from './frequency-cap.js';
import { interactionOf, type LeadSnapshot, type StepWorld } from './lead-facts.js';
import type { ProgramDefinition } from './program-definition.js';
import { applyLeadUpdate, eventSatisfiesWait, runEnrollment, startCursor, type EnrollmentStatus, type RunResult } from './step-interpreter.js';

/** An event of the sample lead. `stage_changed` (`properties.to`) and `unsubscribed` change the lead itself. */
export interface SimulatedEvent {
  type: string;
  at: Date;
  properties: Record<string, unknown>;
}

export interface SimulationInput {
  definition: ProgramDefinition;
  lead: LeadSnapshot;
  events: SimulatedEvent[];
  from: Date;
  zone: string;
  cap: FrequencyCap;
  /** Nurture emails the lead already received (other programs), for the frequency cap. */
  recentSends?: Date[];
  /** The lead after an update_lead step: fit and stage recomputed as the stored lead would be (see RunSettings). */
  refreshLead?: (lead: LeadSnapshot) => LeadSnapshot;
  /** Public holidays that waits in business days skip (see RunSettings). */
  holidays?: readonly string[];
  /** Stop looking after this many days (default 730). */
  horizonDays?: number;
}

export interface TimelineEntry {
  at: string;
  stepId: string | null;
  stepType: string | null;
  action: string;
  detail: Record<string, unknown>;
}

export interface SimulationResult {
  timeline: TimelineEntry[];
  /** `skipped`: the lead would not be enrolled at all (exitReason says why: goal_already_met, or unsubscribed before `from`). */
  outcome: { status: EnrollmentStatus | 'skipped'; exitReason: string | null; at: string };
  emails: number;
}

const ENROLLMENT_ID = 'simulation';
const MAX_RUNS = 1000;

/**
 * The dated timeline a program would produce for a sample lead: the very interpreter real runs
 * use, driven by a virtual clock that jumps from one due time (or incoming event) to the next.
 * Send windows, the frequency cap, waits in business days, goals and awaited events all apply.
 */
export function simulateProgram(input: SimulationInput): SimulationResult {
  const { definition: def } = input;
  const events = [...input.events].sort((a, b) => a.at.getTime() - b.at.getTime());
  const horizon = input.from.getTime() + (input.horizonDays ?? 730) * 86_400_000;
  const stepTypes = new Map(def.steps.map((s) => [s.id, s.type]));
  const sentAt = new Map<string, number>();
  const sends = (input.recentSends ?? []).map((d) => d.getTime());
  // The sample lead as the program's update_lead steps leave it (a real run stores their changes on the lead).
  let lead = input.lead;
  const timeline: TimelineEntry[] = [];
  const log = (at: Date, stepId: string | null, action: string, detail: Record<string, unknown> = {}) =>
    timeline.push({ at: at.toISOString(), stepId, stepType: stepId ? (stepTypes.get(stepId) ?? null) : null, action, detail });

  const worldAt = (now: Date): StepWorld => {
    const past = events.filter((e) => e.at.getTime() <= now.getTime());
    const stage = [...past].reverse().find((e) => e.type === 'stage_changed' && typeof e.properties.to === 'string');
    const world: StepWorld = {
      lead: stage ? { ...lead, stage: stage.properties.to as string } : lead,
      now,
      zone: input.zone,
      suppression: past.some((e) => e.type === 'unsubscribed') ? 'unsubscribed' : null,
      recentSends: sends.map((ms) => new Date(ms)),
      lastEventAt: (type) => {
        const last = [...past].reverse().find((e) => e.type === type);
        return last ? last.at : null;
      },
      interacted: (kind, stepId) => {
        const sent = sentAt.get(stepId);
        return sent !== undefined && past.some((e) => interactionOf(e.type) === kind && e.properties.stepId === stepId && e.at.getTime() >= sent);
      },
    };
    return world;
  };

  let cursor = startCursor(def, ENROLLMENT_ID, input.from);
  let now = input.from;
  // As for real triggers and API calls: a lead that already meets the goal, or that may not be mailed, is not enrolled.
  const entry = worldAt(now);
  // (No lawful basis yet is no skip: the enrollment waits a while for the consent.)
  const optedOut = entry.suppression === 'no_lawful_basis' ? null : entry.suppression;
  const skip = goalMetOnEntry(def.goal, entry) ? 'goal_already_met' : optedOut;
  if (skip) {
    log(now, null, 'skipped', { reason: skip });
    return finish('skipped', skip, now);
  }
  log(now, null, 'enrolled', { stepId: cursor.stepId });
  for (let run = 0; run < MAX_RUNS; run++) {
    const result = runEnrollment(def, cursor, worldAt(now), now, { cap: input.cap, refreshLead: input.refreshLead, holidays: input.holidays });
    record(result, now);
    cursor = result.cursor;
    if (result.status !== 'active') return finish(result.status, result.exitReason, now);
    const due = result.nextRunAt!;
    if (due.getTime() > horizon) {
      log(new Date(horizon), cursor.stepId, 'still_active', { nextRunAt: due.toISOString() });
      return finish('active', null, new Date(horizon));
    }
    const incoming = events.find((e) => e.at.getTime() > now.getTime() && e.at.getTime() <= due.getTime() && matters(e));
    if (incoming) {
      if (goalReached(def.goal, worldAt(incoming.at), cursor.enrolledAt)) {
        log(incoming.at, cursor.stepId, 'converted', { event: incoming.type });
        return finish('converted', 'goal', incoming.at);
      }
      const waiting = cursor.waitingFor!;
      cursor = { ...cursor, waitingFor: { ...(waiting as Extract<typeof waiting, { kind: 'event' }>), matchedAt: incoming.at.toISOString() } };
      log(incoming.at, cursor.stepId, 'event_arrived', { event: incoming.type });
      now = incoming.at;
      continue;
    }
    now = due;
  }
  log(now, cursor.stepId, 'stopped', { reason: `more than ${MAX_RUNS} runs` });
  return finish('active', null, now);

  function matters(e: SimulatedEvent): boolean {
    const w = cursor.waitingFor;
    // As in real runs, an awaited event counts only before the timeout; at the timeout the else path is taken.
    if (w?.kind === 'event' && e.at.getTime() < Date.parse(w.timeoutAt) && eventSatisfiesWait(w, ENROLLMENT_ID, e)) return true;
    return goalReached(def.goal, worldAt(e.at), cursor.enrolledAt);
  }

  function record(result: RunResult, at: Date): void {
    for (const effect of result.effects) {
      if (effect.kind === 'step_run') {
        if (effect.outcome === 'sent') sentAt.set(effect.stepId, at.getTime());
        log(at, effect.stepId, actionOf(stepTypes.get(effect.stepId), effect.outcome), { outcome: effect.outcome, ...effect.detail });
      } else if (effect.kind === 'email') {
        sends.push(at.getTime());
        const last = timeline[timeline.length - 1];
        last.detail = { ...last.detail, templateId: effect.templateId, ...(effect.subject && { subject: effect.subject }) };
      } else if (effect.kind === 'update_lead') {
        const updated = applyLeadUpdate(lead, effect.set);
        lead = input.refreshLead ? input.refreshLead(updated) : updated;
      } else if (effect.kind === 'resolve_wait') {
        log(at, effect.stepId, 'resumed', { outcome: effect.outcome });
      }
    }
    if (result.deferral) {
      log(at, result.deferral.stepId, 'deferred', { until: result.deferral.until.toISOString(), reason: result.deferral.reason });
    }
    if (result.status === 'converted' || (result.status === 'exited' && result.exitReason)) {
      log(at, result.cursor.stepId, result.status, { reason: result.exitReason });
    }
  }

  function finish(status: SimulationResult['outcome']['status'], exitReason: string | null, at: Date): SimulationResult {
    return { timeline, outcome: { status, exitReason, at: at.toISOString() }, emails: timeline.filter((e) => e.action === 'email').length };
  }
}

function actionOf(type: string | undefined, outcome: string): string {
  if (type === 'exit') return 'completed';
  return type ?? outcome;
}
