import type { Condition, Goal, GoalCriterion, ProgramDefinition } from './program-definition.js';

/** What a program's runs need to know beyond the lead row, so the scheduler loads only that. */
export interface DefinitionNeeds {
  /** Event types whose past occurrences conditions or the goal test. */
  eventTypes: string[];
  /** Whether any condition or wait asks about clicks/opens of the enrollment's emails. */
  interactions: boolean;
  /** Whether the program sends email (then the frequency cap needs the lead's recent sends). */
  email: boolean;
}

export function needsOf(def: ProgramDefinition): DefinitionNeeds {
  const types = new Set<string>();
  let interactions = false;
  const visit = (c: Condition | GoalCriterion | undefined): void => {
    if (!c) return;
    if ('and' in c) c.and.forEach(visit);
    else if ('or' in c) c.or.forEach(visit);
    else if ('not' in c) visit(c.not);
    else if ('clicked' in c || 'opened' in c) interactions = true;
    else if ('event' in c) types.add(typeof c.event === 'string' ? c.event : c.event.type);
  };
  const goal = 'anyOf' in def.goal ? def.goal.anyOf : def.goal.allOf;
  goal.forEach(visit);
  visit(def.entryFilter);
  if (def.trigger.type === 'segment') visit(def.trigger.where);
  for (const step of def.steps) {
    if (step.type === 'branch') visit(step.if);
    if (step.type === 'wait_until' && step.event.step) interactions = true;
  }
  return { eventTypes: [...types], interactions, email: def.steps.some((s) => s.type === 'email') };
}

/** Event types a condition tests (for loading the lead's event history before evaluating it). */
export function eventTypesIn(condition: Condition | undefined): string[] {
  if (!condition) return [];
  if ('and' in condition) return condition.and.flatMap(eventTypesIn);
  if ('or' in condition) return condition.or.flatMap(eventTypesIn);
  if ('not' in condition) return eventTypesIn(condition.not);
  if ('event' in condition) return [condition.event.type];
  return [];
}

/**
 * Event types whose past occurrences must be loaded, beside the events of one activity, to decide a goal when
 * that activity arrives: those of past-event conditions, and in an `allOf` also the goal events, since the
 * others of the set may have arrived in earlier requests. In an `anyOf` a goal event alone reaches the goal,
 * so the activity that brings it is enough.
 */
export function goalHistoryTypes(goal: Goal): string[] {
  const criteria = 'anyOf' in goal ? goal.anyOf : goal.allOf;
  const goalEvents = 'allOf' in goal ? criteria.flatMap((c) => ('event' in c && typeof c.event === 'string' ? [c.event] : [])) : [];
  return [...new Set([...goalEvents, ...goalConditionTypes(goal)])];
}

/**
 * Event types of the past-event conditions in a goal: what must be loaded to tell whether a lead entering the
 * program already meets it (goal events count only from the moment of entry, so their history does not matter).
 */
export function goalConditionTypes(goal: Goal): string[] {
  const criteria = 'anyOf' in goal ? goal.anyOf : goal.allOf;
  const conditions = criteria.filter((c) => !('stageAtLeast' in c) && !('event' in c && typeof c.event === 'string'));
  return [...new Set(conditions.flatMap((c) => eventTypesIn(c as Condition)))];
}

/**
 * Whether a goal criterion can be decided from the lead row, the events of one activity and the history of
 * {@link goalHistoryTypes} (stage, goal events, field conditions, past events). Criteria about clicks and opens
 * of the enrollment's emails are left to the scheduler, which checks the whole goal before every step.
 */
export function decidableFromActivity(c: GoalCriterion): boolean {
  if ('stageAtLeast' in c) return true;
  if ('event' in c && typeof c.event === 'string') return true;
  const plain = (x: Condition): boolean => {
    if ('and' in x) return x.and.every(plain);
    if ('or' in x) return x.or.every(plain);
    if ('not' in x) return plain(x.not);
    return 'field' in x || 'event' in x;
  };
  return plain(c as Condition);
}
