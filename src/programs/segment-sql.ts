import { DomainError } from '../common/domain-error.js';
import { SqlParams } from '../common/sql-params.js';
import { scoreAtSql } from '../scoring/domain/decay.js';
import { isAtLeast, STAGES } from '../scoring/domain/lifecycle.js';
import { DefinitionReader } from './domain/definition-reader.js';
import { subtractDuration } from './domain/evaluate-condition.js';
import { DECIMAL, parseCondition } from './domain/parse-condition.js';
import type { Condition, FieldCondition, Goal, GoalCriterion, Scalar } from './domain/program-definition.js';


const COLUMNS: Record<string, string> = {
  stage: 'l.stage',
  fitScore: 'l.fit_score::text',
  email: 'l.email',
  firstName: 'l.first_name',
  lastName: 'l.last_name',
  company: 'l.company',
  jobTitle: 'l.job_title',
  phone: 'l.phone',
  locale: 'l.locale',
  timezone: 'l.timezone',
};
const OBJECTS = ['attributes', 'qualification', 'source'];
const NUMBER = `'^\\s*[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?\\s*$'`;

/** Reads `{where: condition}` from an API body; past events are allowed, clicked/opened (enrollment-bound) are not. */
export function parseSegment(segment: { where?: unknown } | undefined): Condition {
  const r = new DefinitionReader();
  if (!segment || segment.where === undefined) throw DomainError.invalidField('segment.where', 'is required');
  const condition = parseCondition(r, segment.where, 'segment.where', { allowStepEvents: false });
  if (!condition || r.errors.length) throw DomainError.validation(r.errors, r.errors.map((e) => `${e.field}: ${e.message}`).join('; '));
  return condition;
}

/**
 * A condition as SQL over `leads l`, with the same meaning as `evaluateCondition` (text ignores
 * case, numeric strings compare as numbers, empty values match only notEquals / exists:false), so a
 * segment of 100,000 leads is one INSERT … SELECT. `engagementScore` is the score decayed to `now` with
 * the model's half-life (scoreAtSql), as triggers, the interpreter and the goal check see it, not the
 * stored value; a JSON list is compared as its text.
 */
export function conditionSql(condition: Condition, p: SqlParams, now: Date, halfLifeDays: number): string {
  if ('and' in condition) return `(${condition.and.map((c) => conditionSql(c, p, now, halfLifeDays)).join(' AND ')})`;
  if ('or' in condition) return `(${condition.or.map((c) => conditionSql(c, p, now, halfLifeDays)).join(' OR ')})`;
  if ('not' in condition) return `(NOT ${conditionSql(condition.not, p, now, halfLifeDays)})`;
  if ('clicked' in condition || 'opened' in condition) return 'false';
  if ('event' in condition) {
    const since = condition.event.within ? ` AND ev.occurred_at >= ${p.add(subtractDuration(now, condition.event.within).toISOString(), '::timestamptz')}` : '';
    return `EXISTS (SELECT 1 FROM events ev WHERE ev.lead_id = l.id AND ev.type = ${p.add(condition.event.type)} AND NOT ev.machine
              AND ev.occurred_at <= ${p.add(now.toISOString(), '::timestamptz')}${since})`;
  }
  return fieldSql(condition, fieldExpr(condition.field, p, now, halfLifeDays), p);
}

/**
 * Whether a lead entering the program at `now` already meets its goal, as SQL over `leads l`, with the meaning
 * of goalMetOnEntry: stages on the main path, conditions (the engagement score decayed to now), and no goal
 * event, since a goal event counts only from the moment of entry on.
 */
export function goalOnEntrySql(goal: Goal, p: SqlParams, now: Date, halfLifeDays: number): string {
  const criterion = (c: GoalCriterion): string => {
    if ('stageAtLeast' in c) return `(l.stage = ANY(${p.add(STAGES.filter((s) => isAtLeast(s, c.stageAtLeast)), '::text[]')}))`;
    if ('event' in c && typeof c.event === 'string') return 'false';
    return conditionSql(c as Condition, p, now, halfLifeDays);
  };
  if ('anyOf' in goal) return goal.anyOf.length ? `(${goal.anyOf.map(criterion).join(' OR ')})` : 'false';
  return goal.allOf.length ? `(${goal.allOf.map(criterion).join(' AND ')})` : 'true';
}

function fieldExpr(field: string, p: SqlParams, now: Date, halfLifeDays: number): string {
  if (field === 'engagementScore') {
    return `${scoreAtSql('l.engagement_score', 'l.engagement_as_of', p.add(now.toISOString(), '::timestamptz'), p.add(halfLifeDays, '::float8'))}::text`;
  }
  if (COLUMNS[field]) return COLUMNS[field];
  const [root, ...path] = field.split('.');
  if (!OBJECTS.includes(root) || !path.length) throw DomainError.invalidField('segment.where.field', `"${field}" is not a lead field`);
  return `(l.${root} #>> ${p.add(path, '::text[]')})`;
}

function fieldSql(c: FieldCondition, x: string, p: SqlParams): string {
  const present = `(${x} IS NOT NULL AND btrim(${x}) <> '')`;
  const value = c.value;
  switch (c.op) {
    case 'exists':
      return value === false ? `(NOT ${present})` : present;
    case 'equals':
      return value === null ? `(NOT ${present})` : `(${present} AND ${equalsSql(x, value as Scalar, p)})`;
    case 'notEquals':
      return value === null ? present : `(NOT ${present} OR NOT ${equalsSql(x, value as Scalar, p)})`;
    case 'in': {
      const items = (Array.isArray(value) ? value : [value]) as Scalar[];
      return `(${items.map((v) => (v === null ? `(NOT ${present})` : `(${present} AND ${equalsSql(x, v, p)})`)).join(' OR ')})`;
    }
    case 'contains':
      return `(${present} AND strpos(lower(${x}), lower(${p.add(String(value))})) > 0)`;
    case 'startsWith':
      return `(${present} AND left(lower(${x}), char_length(${p.add(String(value))})) = lower($${p.values.length}))`;
    case 'endsWith':
      return `(${present} AND right(lower(${x}), char_length(${p.add(String(value))})) = lower($${p.values.length}))`;
    default: {
      const op = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[c.op];
      if (typeof value === 'number' || (typeof value === 'string' && DECIMAL.test(value.trim()))) {
        return `coalesce(${numeric(x)} ${op} ${p.add(Number(value), '::numeric')}, false)`;
      }
      return `coalesce(CASE WHEN ${x} ~ '^\\d{4}-\\d{2}-\\d{2}' THEN program_try_timestamptz(${x}) ${op} ${p.add(String(value), '::timestamptz')} END, false)`;
    }
  }
}

function numeric(x: string): string {
  return `(CASE WHEN ${x} ~ ${NUMBER} THEN btrim(${x})::numeric END)`;
}

function equalsSql(x: string, value: Scalar, p: SqlParams): string {
  if (typeof value === 'boolean') return `(lower(btrim(${x})) = '${value}')`;
  if (typeof value === 'number') return `coalesce(${numeric(x)} = ${p.add(value, '::numeric')}, false)`;
  const text = String(value);
  if (DECIMAL.test(text.trim())) {
    return `coalesce(CASE WHEN ${x} ~ ${NUMBER} THEN ${numeric(x)} = ${p.add(Number(text), '::numeric')} ELSE lower(${x}) = lower(${p.add(text)}) END, false)`;
  }
  return `(lower(${x}) = lower(${p.add(text)}))`;
}
