import type { FieldError } from '../../common/domain-error.js';
import { isPlainObject } from './definition-reader.js';
import { interactionOf } from './lead-facts.js';
import { successorsOf, type Condition, type GoalCriterion, type ProgramDefinition, type ProgramStep } from './program-definition.js';

/** What the step graph needs to know about the world outside the program. */
export interface StepGraphContext {
  /** Locales a template has a version for, or undefined when the template does not exist. */
  templateLocales: (templateId: string) => string[] | undefined;
  /** Whether a template that templateLocales does not know was archived (it exists, but no new version may send it). */
  templateArchived?: (templateId: string) => boolean;
  /** Locales every email of the program must exist in. */
  programLocales: string[];
}

/**
 * Checks that the steps form a program a lead can run through: unique ids, known targets, every
 * step reachable from the entry (the first step), an exit reachable from every step, no loop
 * without a wait, templates that exist in every program locale, and clicked/opened references to
 * email steps. Errors name the step: `steps[welcome].next`.
 */
export function validateStepGraph(def: ProgramDefinition, ctx: StepGraphContext): FieldError[] {
  if (def.steps.length === 0) return [{ field: 'steps', message: 'must have at least one step' }];
  const errors: FieldError[] = [];
  const byId = indexSteps(def.steps, errors);
  const edges = knownEdges(def.steps, byId, errors);

  const reachable = reachableFrom(def.steps[0].id, edges);
  for (const step of byId.values()) {
    if (!reachable.has(step.id)) errors.push(fail(step, '', 'cannot be reached from the first step'));
  }

  const canExit = stepsThatReachAnExit(edges, byId);
  for (const step of byId.values()) {
    if (reachable.has(step.id) && !canExit.has(step.id)) {
      errors.push(fail(step, '', 'no exit step can be reached from here; every path must end in an exit step'));
    }
  }

  for (const loop of loopsWithoutWait(def.steps, edges, byId)) {
    const first = byId.get(loop[0])!;
    const passing = loop.filter((id) => passesAtOnce(byId.get(id)!));
    const why = passing.length
      ? ` (${passing.join(', ')} waits for a click or open of an email, and passes at once when the lead already clicked or opened it)`
      : '';
    errors.push(fail(first, '', `is part of a loop without a wait step: ${[...loop, loop[0]].join(' → ')}${why}`));
  }

  for (const step of def.steps) {
    if (step.type === 'email') errors.push(...checkTemplates(step, ctx));
    if (step.type === 'branch') errors.push(...checkStepEvents(step.if, `steps[${step.id}].if`, byId));
    if (step.type === 'wait_until' && step.event.step !== undefined) {
      const ref = byId.get(step.event.step);
      if (ref?.type !== 'email') {
        const problem = ref ? `is not an email step (type: ${ref.type})` : 'does not exist';
        errors.push({ field: `steps[${step.id}].event.step`, message: `step "${step.event.step}" ${problem}` });
      }
    }
  }
  const goalKey = 'anyOf' in def.goal ? 'anyOf' : 'allOf';
  const goalItems: GoalCriterion[] = 'anyOf' in def.goal ? def.goal.anyOf : def.goal.allOf;
  goalItems.forEach((c, i) => errors.push(...checkStepEvents(c, `goal.${goalKey}[${i}]`, byId)));
  return errors;
}

function fail(step: ProgramStep, key: string, message: string): FieldError {
  return { field: key ? `steps[${step.id}].${key}` : `steps[${step.id}]`, message };
}

/** Id → first step with that id; later duplicates are refused. */
function indexSteps(steps: ProgramStep[], errors: FieldError[]): Map<string, ProgramStep> {
  const byId = new Map<string, ProgramStep>();
  const positions = new Map<string, number>();
  steps.forEach((step, i) => {
    const earlier = positions.get(step.id);
    if (earlier === undefined) {
      byId.set(step.id, step);
      positions.set(step.id, i);
    } else {
      errors.push({ field: `steps[${step.id}].id`, message: `is used by more than one step (steps[${earlier}] and steps[${i}])` });
    }
  });
  return byId;
}

/** Id → ids it continues to, keeping only targets that exist; unknown targets are refused. */
function knownEdges(steps: ProgramStep[], byId: Map<string, ProgramStep>, errors: FieldError[]): Map<string, string[]> {
  const edges = new Map<string, string[]>();
  for (const step of steps) {
    if (byId.get(step.id) !== step) continue;
    const targets: string[] = [];
    const successors = successorsOf(step);
    for (const { field, target } of successors) {
      if (typeof target !== 'string' || target === '') {
        errors.push(fail(step, field, `is missing; a ${step.type} step must say where to go next (end paths with an exit step)`));
      } else if (!byId.has(target)) {
        errors.push(fail(step, field, `points to unknown step "${target}"`));
      } else {
        targets.push(target);
      }
    }
    edges.set(step.id, targets);
  }
  return edges;
}

function reachableFrom(start: string, edges: Map<string, string[]>): Set<string> {
  const seen = new Set<string>([start]);
  const queue = [start];
  while (queue.length > 0) {
    for (const next of edges.get(queue.shift()!) ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return seen;
}

/**
 * Steps from which some exit step can be reached. A step whose target is unknown (already
 * refused) counts as able to exit, so one typo is reported once, not at every step before it.
 */
function stepsThatReachAnExit(edges: Map<string, string[]>, byId: Map<string, ProgramStep>): Set<string> {
  const predecessors = new Map<string, string[]>();
  const seeds: string[] = [];
  for (const [from, targets] of edges) {
    const step = byId.get(from)!;
    if (step.type === 'exit' || targets.length < successorsOf(step).length) seeds.push(from);
    for (const to of targets) predecessors.set(to, [...(predecessors.get(to) ?? []), from]);
  }
  const canExit = new Set(seeds);
  const queue = [...seeds];
  while (queue.length > 0) {
    for (const prev of predecessors.get(queue.shift()!) ?? []) {
      if (!canExit.has(prev)) {
        canExit.add(prev);
        queue.push(prev);
      }
    }
  }
  return canExit;
}

/**
 * Whether a step can let a run through without waiting although it is a wait: a wait_until for a click or
 * open of one of the program's emails moves on at once when the lead already clicked or opened it.
 */
function passesAtOnce(step: ProgramStep): boolean {
  return step.type === 'wait_until' && step.event.step !== undefined && interactionOf(step.event.type) !== null;
}

/**
 * Loops a lead could go round without ever waiting: cycles in the graph with the steps that always wait
 * taken out (wait steps, and wait_until steps that cannot pass at once). Returns one loop (as step ids, in
 * order) per offending group of steps.
 */
function loopsWithoutWait(steps: ProgramStep[], edges: Map<string, string[]>, byId: Map<string, ProgramStep>): string[][] {
  const waits = (id: string) => {
    const step = byId.get(id)!;
    return step.type === 'wait' || (step.type === 'wait_until' && !passesAtOnce(step));
  };
  const instant = new Map<string, string[]>();
  for (const [from, targets] of edges) {
    if (!waits(from)) instant.set(from, targets.filter((t) => !waits(t)));
  }
  const reverse = new Map<string, string[]>();
  for (const [from, targets] of instant) for (const to of targets) reverse.set(to, [...(reverse.get(to) ?? []), from]);
  const loops: string[][] = [];
  const covered = new Set<string>();
  for (const start of steps.map((s) => s.id).filter((id) => instant.has(id))) {
    if (covered.has(start)) continue;
    const loop = shortestLoopThrough(start, instant);
    if (!loop) continue;
    loops.push(loop);
    // The steps that can both reach and be reached from `start` form one group: report it once.
    const ahead = reachableFrom(start, instant);
    for (const id of reachableFrom(start, reverse)) if (ahead.has(id)) covered.add(id);
  }
  return loops;
}

/** The shortest cycle start → … → start, or undefined when start is on no cycle. */
function shortestLoopThrough(start: string, edges: Map<string, string[]>): string[] | undefined {
  const parent = new Map<string, string>();
  const queue = [start];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const current = queue.shift()!;
    for (const next of edges.get(current) ?? []) {
      if (next === start) {
        const path = [current];
        while (path[0] !== start) path.unshift(parent.get(path[0])!);
        return path;
      }
      if (!seen.has(next)) {
        seen.add(next);
        parent.set(next, current);
        queue.push(next);
      }
    }
  }
  return undefined;
}

function checkTemplates(step: Extract<ProgramStep, { type: 'email' }>, ctx: StepGraphContext): FieldError[] {
  const uses = [{ field: 'templateId', templateId: step.templateId }];
  step.variants?.forEach((v, i) => v.templateId && uses.push({ field: `variants[${i}].templateId`, templateId: v.templateId }));
  const errors: FieldError[] = [];
  for (const { field, templateId } of uses) {
    const locales = ctx.templateLocales(templateId);
    if (locales === undefined) {
      const archived = ctx.templateArchived?.(templateId) ?? false;
      errors.push(fail(step, field, archived ? `template "${templateId}" is archived; choose another template` : `template "${templateId}" does not exist`));
      continue;
    }
    const missing = ctx.programLocales.filter((l) => !locales.includes(l));
    if (missing.length > 0) {
      const message = `template "${templateId}" has no ${missing.join(', ')} version; the program is sent in ${ctx.programLocales.join(', ')}`;
      errors.push(fail(step, field, message));
    }
  }
  return errors;
}

/** clicked/opened anywhere in a condition must name an email step of this program. */
function checkStepEvents(condition: Condition | GoalCriterion, path: string, byId: Map<string, ProgramStep>): FieldError[] {
  if (!isPlainObject(condition)) return [];
  const c = condition as Record<string, unknown>;
  if (Array.isArray(c.and)) return c.and.flatMap((x: Condition, i: number) => checkStepEvents(x, `${path}.and[${i}]`, byId));
  if (Array.isArray(c.or)) return c.or.flatMap((x: Condition, i: number) => checkStepEvents(x, `${path}.or[${i}]`, byId));
  if (c.not !== undefined) return checkStepEvents(c.not as Condition, `${path}.not`, byId);
  for (const kind of ['clicked', 'opened'] as const) {
    const ref = c[kind] as { step: string } | undefined;
    if (!ref) continue;
    const target = byId.get(ref.step);
    if (target?.type === 'email') return [];
    const problem = target ? `is not an email step (type: ${target.type}); only an email can be ${kind}` : 'does not exist';
    return [{ field: `${path}.${kind}.step`, message: `step "${ref.step}" ${problem}` }];
  }
  return [];
}
