import { DateTime } from 'luxon';
import { isAtLeast, isStage } from '../../scoring/domain/lifecycle.js';
import { matchesCondition, resolvePath } from '../../scoring/domain/condition.js';
import type { Condition as ScoringCondition } from '../../scoring/domain/scoring-model.types.js';
import { parseDuration } from './duration.js';
import type { ConditionFacts } from './lead-facts.js';
import type { Condition, FieldCondition, Goal, GoalCriterion, PropertyFilter, Scalar } from './program-definition.js';

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}/;

/**
 * Whether a program condition holds for a lead: field tests (the scoring engine's rules: text
 * ignores case, numeric strings compare as numbers, a list matches when any item does), past
 * events, and clicks/opens of this enrollment's emails, combined with and/or/not.
 */
export function evaluateCondition(condition: Condition, facts: ConditionFacts): boolean {
  if ('and' in condition) return condition.and.every((c) => evaluateCondition(c, facts));
  if ('or' in condition) return condition.or.some((c) => evaluateCondition(c, facts));
  if ('not' in condition) return !evaluateCondition(condition.not, facts);
  if ('clicked' in condition) return facts.interacted('click', condition.clicked.step);
  if ('opened' in condition) return facts.interacted('open', condition.opened.step);
  if ('event' in condition) {
    const last = facts.lastEventAt(condition.event.type);
    if (!last || last.getTime() > facts.now.getTime()) return false;
    return !condition.event.within || last.getTime() >= subtractDuration(facts.now, condition.event.within).getTime();
  }
  return matchesField(condition, facts.lead as unknown as Record<string, unknown>);
}

/** One `{field, op, value}` test on an object (a lead snapshot, or an event with `properties`). */
export function matchesField(condition: FieldCondition, subject: Record<string, unknown>): boolean {
  const { field, op, value } = condition;
  if (value === null) {
    // "equals null" asks whether the field is empty; "notEquals null" whether it is filled in.
    if (op === 'equals') return !matchesCondition({ field, op: 'exists' }, subject);
    if (op === 'notEquals') return matchesCondition({ field, op: 'exists' }, subject);
    return false;
  }
  if (op === 'in' && Array.isArray(value)) {
    return value.some((item) => matchesField({ field, op: 'equals', value: item }, subject));
  }
  if (['gt', 'gte', 'lt', 'lte'].includes(op) && typeof value === 'string' && !DECIMAL.test(value.trim())) {
    return compareDates(op as 'gt' | 'gte' | 'lt' | 'lte', resolvePath(subject, field), value);
  }
  if (Array.isArray(value)) return false;
  return matchesCondition({ field, op, value } as ScoringCondition, subject);
}

/** An equality filter such as `{"properties.asset": "gids"}`; every key must match, an array means any of. */
export function matchesPropertyFilter(filter: PropertyFilter | undefined, subject: Record<string, unknown>): boolean {
  if (!filter) return true;
  return Object.entries(filter).every(([field, expected]) =>
    Array.isArray(expected)
      ? expected.some((v: Scalar) => matchesField({ field, op: 'equals', value: v }, subject))
      : matchesField({ field, op: 'equals', value: expected }, subject),
  );
}

/**
 * Whether the enrollment reached its goal: a stage reached on the main path, a goal event since the
 * lead entered the program, or a condition on the lead. `anyOf` needs one criterion, `allOf` all.
 */
export function goalReached(goal: Goal, facts: ConditionFacts, enrolledAt: Date): boolean {
  const check = (c: GoalCriterion) => criterionHolds(c, facts, enrolledAt);
  return 'anyOf' in goal ? goal.anyOf.some(check) : goal.allOf.every(check);
}

/**
 * Whether a lead that would enter a program now already meets its goal, so that the enrollment would convert at
 * once, before its first step: such a lead is not enrolled (a skip, reason `goal_already_met`). It is the check
 * the interpreter makes before the first step, for an enrollment beginning at `facts.now`: the lead's stage and
 * fields and its past events count, a goal event only if it happened at that very instant, and the enrollment's
 * emails cannot have been opened or clicked yet.
 */
export function goalMetOnEntry(goal: Goal, facts: ConditionFacts): boolean {
  return goalReached(goal, { ...facts, interacted: () => false }, facts.now);
}

function criterionHolds(c: GoalCriterion, facts: ConditionFacts, enrolledAt: Date): boolean {
  if ('stageAtLeast' in c) return isStage(facts.lead.stage) && isAtLeast(facts.lead.stage, c.stageAtLeast);
  if ('event' in c && typeof c.event === 'string') {
    const last = facts.lastEventAt(c.event);
    return last !== null && last.getTime() >= enrolledAt.getTime() && last.getTime() <= facts.now.getTime();
  }
  return evaluateCondition(c as Condition, facts);
}

/** The instant an ISO-8601 duration before `at` (calendar-aware in UTC; used for `within`). */
export function subtractDuration(at: Date, text: string): Date {
  const d = parseDuration(text);
  if (!d) throw new RangeError(`"${text}" is not an ISO-8601 duration.`);
  return DateTime.fromJSDate(at, { zone: 'utc' })
    .minus({ years: d.years, months: d.months, weeks: d.weeks, days: d.days, hours: d.hours, minutes: d.minutes, seconds: d.seconds })
    .toJSDate();
}

function compareDates(op: 'gt' | 'gte' | 'lt' | 'lte', actual: unknown, expected: string): boolean {
  const a = toTime(actual);
  const e = toTime(expected);
  if (a === null || e === null) return false;
  if (op === 'gt') return a > e;
  if (op === 'gte') return a >= e;
  if (op === 'lt') return a < e;
  return a <= e;
}

function toTime(value: unknown): number | null {
  if (value instanceof Date) return value.getTime();
  if (typeof value !== 'string' || !ISO_DATE.test(value)) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}
