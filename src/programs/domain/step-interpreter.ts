import { trimmedAnswers } from '../../scoring/domain/qualification.js';
import { evaluateCondition, goalReached, matchesPropertyFilter } from './evaluate-condition.js';
import type { FrequencyCap } from './frequency-cap.js';
import { interactionOf, type LeadSnapshot, type StepWorld } from './lead-facts.js';
import type { EmailStep, HandoffPriority, ProgramDefinition, ProgramStep, PropertyFilter, Scalar } from './program-definition.js';
import { scheduleSend } from './schedule-send.js';
import { timeAfter, windowOpening } from './time-memo.js';
import { pickVariant } from './variant.js';

/** What an enrollment is waiting for while it sits on a wait or wait_until step. */
export type Waiting =
  | { kind: 'wait'; until: string }
  | {
      kind: 'event';
      type: string;
      where?: PropertyFilter;
      step?: string;
      since: string;
      timeoutAt: string;
      /** Set when the awaited event arrived (by the activity listener, or the simulator). */
      matchedAt?: string;
      eventId?: string;
    };

/** Where an enrollment stands: the part of the row the interpreter moves. */
export interface EnrollmentCursor {
  id: string;
  stepId: string;
  /** How many times each step has been entered; the current step's count is its visit number. */
  visits: Record<string, number>;
  waitingFor: Waiting | null;
  /** A/B variant label per email step, fixed once chosen. */
  variants: Record<string, string>;
  enrolledAt: Date;
}

export type EnrollmentStatus = 'active' | 'completed' | 'converted' | 'exited';

/** Side effects of a run, applied by the caller in one transaction; `stepId` + `visit` is the idempotency key. */
export type StepEffect =
  | { kind: 'step_run'; stepId: string; visit: number; outcome: string; detail: Record<string, unknown> }
  | { kind: 'email'; stepId: string; visit: number; templateId: string; variant: string | null; subject: string | null }
  | { kind: 'update_lead'; stepId: string; visit: number; set: Record<string, Scalar> }
  | { kind: 'handoff'; stepId: string; visit: number; priority: HandoffPriority | null }
  /** A wait or wait_until step ended: its step run gets the final outcome. */
  | { kind: 'resolve_wait'; stepId: string; visit: number; outcome: 'elapsed' | 'event' | 'timeout' };

export interface Deferral {
  stepId: string;
  until: Date;
  reason: 'send_window' | 'frequency_cap' | 'lawful_basis';
}

export interface RunResult {
  cursor: EnrollmentCursor;
  status: EnrollmentStatus;
  exitReason: string | null;
  /** When the enrollment must be looked at again (null once it ended). */
  nextRunAt: Date | null;
  effects: StepEffect[];
  deferral?: Deferral;
}

export interface RunSettings {
  cap: FrequencyCap;
  /**
   * The lead as it is stored after an update_lead step changed it: fit score and any automatic stage move
   * recomputed, as the scheduler's writer does. Without it (simulations) only the fields set change.
   */
  refreshLead?: (lead: LeadSnapshot) => LeadSnapshot;
  /** Public holidays (local 'YYYY-MM-DD' dates, HOLIDAYS) that waits in business days skip, as they skip weekends. */
  holidays?: readonly string[];
}

/**
 * How long an enrollment whose lead has no lawful basis to be mailed waits for one before it exits
 * (`no_lawful_basis`): a form's event can reach the service just before the upsert that records the lead's
 * consent, and the enrollment that event started should not be lost to that race.
 */
export const LAWFUL_BASIS_GRACE_MS = 15 * 60_000;
/** When such an enrollment looks again first (most consents follow their event within seconds). */
export const LAWFUL_BASIS_FIRST_RECHECK_MS = 60_000;

/**
 * When an enrollment enrolled at `enrolledAt`, whose lead has no lawful basis at `now`, looks again: a minute
 * after it began, then at the end of LAWFUL_BASIS_GRACE_MS; null once the grace is over (it exits).
 */
export function lawfulBasisRecheck(enrolledAt: Date, now: Date): Date | null {
  const start = enrolledAt.getTime();
  if (now.getTime() >= start + LAWFUL_BASIS_GRACE_MS) return null;
  const first = start + LAWFUL_BASIS_FIRST_RECHECK_MS;
  return new Date(now.getTime() < first ? first : start + LAWFUL_BASIS_GRACE_MS);
}

/** The first state of a new enrollment: on the entry step, first visit, due at once. */
export function startCursor(def: ProgramDefinition, enrollmentId: string, enrolledAt: Date): EnrollmentCursor {
  const first = def.steps[0].id;
  return { id: enrollmentId, stepId: first, visits: { [first]: 1 }, waitingFor: null, variants: {}, enrolledAt };
}

/** Steps by id, per definition (definitions are immutable and cached by the catalog, so this is built once per version). */
const stepIndex = new WeakMap<ProgramDefinition, Map<string, ProgramStep>>();
function stepsOf(def: ProgramDefinition): Map<string, ProgramStep> {
  let steps = stepIndex.get(def);
  if (!steps) stepIndex.set(def, (steps = new Map(def.steps.map((s) => [s.id, s]))));
  return steps;
}

/**
 * Runs an enrollment from where it stands, at `now`, until it must wait (a wait step, an awaited
 * event, an email outside the send window or over the frequency cap) or ends. Before every step
 * the goal (→ converted) and the suppression list (→ exited) are checked. Pure: the same inputs
 * give the same result, for real runs and simulations alike.
 */
export function runEnrollment(def: ProgramDefinition, start: EnrollmentCursor, facts: StepWorld, now: Date, settings: RunSettings): RunResult {
  const cursor: EnrollmentCursor = {
    ...start,
    visits: { ...start.visits },
    variants: { ...start.variants },
    waitingFor: start.waitingFor && { ...start.waitingFor },
  };
  // A private view of the world: an update_lead step or a send changes what later steps of this run see.
  // A plain copy with every field, not Object.create(facts): a fresh prototype per run gave every
  // world its own hidden class, and turning each `facts` into a prototype cost V8 tens of µs a run.
  const world: StepWorld = {
    lead: facts.lead,
    now,
    zone: facts.zone,
    suppression: facts.suppression,
    recentSends: [...facts.recentSends],
    lastEventAt: facts.lastEventAt,
    interacted: facts.interacted,
  };
  const effects: StepEffect[] = [];
  const steps = stepsOf(def);
  const end = (status: EnrollmentStatus, exitReason: string | null): RunResult => ({ cursor, status, exitReason, nextRunAt: null, effects });
  const stay = (nextRunAt: Date, deferral?: Deferral): RunResult => ({ cursor, status: 'active', exitReason: null, nextRunAt, effects, deferral });
  const moveTo = (target: string) => {
    cursor.visits[target] = (cursor.visits[target] ?? 0) + 1;
    cursor.stepId = target;
    cursor.waitingFor = null;
  };

  // The graph has no loop without a wait, so a run passes each step at most once before it must wait.
  for (let guard = 0; guard <= def.steps.length; guard++) {
    if (goalReached(def.goal, world, cursor.enrolledAt)) return end('converted', 'goal');
    if (world.suppression === 'no_lawful_basis') {
      const until = lawfulBasisRecheck(cursor.enrolledAt, now);
      if (until) return stay(until, { stepId: cursor.stepId, until, reason: 'lawful_basis' });
    }
    if (world.suppression) return end('exited', world.suppression);
    if (world.lead.stage === 'disqualified') return end('exited', 'disqualified');
    const step = steps.get(cursor.stepId);
    if (!step) return end('exited', 'unknown_step');
    const visit = cursor.visits[step.id] ?? 1;
    const ran = (outcome: string, detail: Record<string, unknown> = {}) =>
      effects.push({ kind: 'step_run', stepId: step.id, visit, outcome, detail });

    if (cursor.waitingFor) {
      const resolved = resolveWait(step, cursor.waitingFor, now);
      if (!resolved) return stay(new Date(waitingDeadline(cursor.waitingFor)));
      effects.push({ kind: 'resolve_wait', stepId: step.id, visit, outcome: resolved.outcome });
      moveTo(resolved.next);
      continue;
    }

    switch (step.type) {
      case 'email': {
        const opening = windowOpening(now, def.sendWindow, world.zone);
        const at = world.recentSends.length ? scheduleSend(now, def.sendWindow, world.zone, world.recentSends, settings.cap) : opening;
        if (at.getTime() > now.getTime()) {
          const reason = opening.getTime() > now.getTime() ? 'send_window' : 'frequency_cap';
          return stay(at, { stepId: step.id, until: at, reason });
        }
        const choice = chooseVariant(step, cursor);
        ran('sent', { templateId: choice.templateId, ...(choice.variant && { variant: choice.variant }) });
        effects.push({ kind: 'email', stepId: step.id, visit, ...choice });
        world.recentSends = [...world.recentSends, now];
        moveTo(step.next);
        break;
      }
      case 'wait': {
        const until = timeAfter(now, step.duration, world.zone, step.businessDays, settings.holidays);
        ran('waiting', { until: until.toISOString() });
        cursor.waitingFor = { kind: 'wait', until: until.toISOString() };
        return stay(until);
      }
      case 'wait_until': {
        const kind = step.event.step ? interactionOf(step.event.type) : null;
        if (kind && step.event.step && world.interacted(kind, step.event.step)) {
          // Clicked (or opened) before the wait began: nothing to wait for.
          ran('event', { already: true });
          moveTo(step.then);
          break;
        }
        const timeoutAt = timeAfter(now, step.timeout, world.zone);
        ran('waiting', { timeoutAt: timeoutAt.toISOString() });
        cursor.waitingFor = {
          kind: 'event',
          type: step.event.type,
          ...(step.event.where && { where: step.event.where }),
          ...(step.event.step && { step: step.event.step }),
          since: now.toISOString(),
          timeoutAt: timeoutAt.toISOString(),
        };
        return stay(timeoutAt);
      }
      case 'branch': {
        const yes = evaluateCondition(step.if, world);
        ran(yes ? 'then' : 'else');
        moveTo(yes ? step.then : step.else);
        break;
      }
      case 'update_lead': {
        ran('updated', { set: step.set });
        effects.push({ kind: 'update_lead', stepId: step.id, visit, set: step.set });
        const updated = applyLeadUpdate(world.lead, step.set);
        world.lead = settings.refreshLead ? settings.refreshLead(updated) : updated;
        moveTo(step.next);
        break;
      }
      case 'handoff': {
        ran('requested', step.priority ? { priority: step.priority } : {});
        effects.push({ kind: 'handoff', stepId: step.id, visit, priority: step.priority ?? null });
        moveTo(step.next);
        break;
      }
      case 'exit':
        ran('completed', step.reason ? { reason: step.reason } : {});
        return end('completed', step.reason ?? null);
    }
  }
  // Unreachable for a program validated now. A program published before loops through a wait_until that
  // passes at once were refused can still get here: end the enrollment rather than run it again at once,
  // forever.
  return end('exited', 'loop_without_wait');
}

/** Whether an event ends a wait_until: the awaited type, its property filter, and (for step-tied events) this enrollment's email. */
export function eventSatisfiesWait(
  waiting: Extract<Waiting, { kind: 'event' }>,
  enrollmentId: string,
  event: { type: string; properties: Record<string, unknown>; machine?: boolean },
): boolean {
  if (event.machine || event.type !== waiting.type) return false;
  if (waiting.step !== undefined) {
    const props = event.properties;
    if (props.stepId !== waiting.step) return false;
    if (props.enrollmentId !== undefined && props.enrollmentId !== enrollmentId) return false;
  }
  return matchesPropertyFilter(waiting.where, { properties: event.properties });
}

function resolveWait(step: ProgramStep, waiting: Waiting, now: Date): { next: string; outcome: 'elapsed' | 'event' | 'timeout' } | null {
  if (waiting.kind === 'wait') {
    if (step.type !== 'wait' || now.getTime() < Date.parse(waiting.until)) return null;
    return { next: step.next, outcome: 'elapsed' };
  }
  if (step.type !== 'wait_until') return null;
  if (waiting.matchedAt) return { next: step.then, outcome: 'event' };
  if (now.getTime() >= Date.parse(waiting.timeoutAt)) return { next: step.else, outcome: 'timeout' };
  return null;
}

function waitingDeadline(waiting: Waiting): string {
  return waiting.kind === 'wait' ? waiting.until : waiting.timeoutAt;
}

function chooseVariant(step: EmailStep, cursor: EnrollmentCursor): { templateId: string; variant: string | null; subject: string | null } {
  if (!step.variants?.length) return { templateId: step.templateId, variant: null, subject: null };
  const fixed = cursor.variants[step.id];
  const index = fixed ? fixed.charCodeAt(0) - 65 : pickVariant(cursor.id, step.id, step.variants).index;
  const chosen = step.variants[index] ?? step.variants[0];
  const label = String.fromCharCode(65 + step.variants.indexOf(chosen));
  cursor.variants[step.id] = label;
  return { templateId: chosen.templateId ?? step.templateId, variant: label, subject: chosen.subject ?? null };
}

/**
 * The lead as it looks after an update_lead step (`attributes.x`, `qualification.need` or a top-level field), as
 * StepEffectsWriter stores it: qualification answers trimmed (trimmedAnswers), so the steps after it in the same run
 * and a simulation see the answer the next run reads back.
 */
export function applyLeadUpdate<T extends { attributes: Record<string, unknown>; qualification: Record<string, unknown> }>(
  lead: T,
  set: Record<string, Scalar>,
): T {
  const next = { ...lead, attributes: { ...lead.attributes }, qualification: { ...lead.qualification } };
  const answers: Record<string, Scalar> = {};
  for (const [key, value] of Object.entries(set)) {
    const [root, sub] = key.split('.', 2);
    if (root === 'attributes' && sub) next.attributes[sub] = value;
    else if (root === 'qualification' && sub) answers[sub] = value;
    else (next as Record<string, unknown>)[key] = value;
  }
  Object.assign(next.qualification, trimmedAnswers(answers));
  return next;
}
