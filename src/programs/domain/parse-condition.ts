import { isTimestamp } from '../../common/timestamp.js';
import { DefinitionReader, at, isPlainObject } from './definition-reader.js';
import { isZeroDuration, parseDuration } from './duration.js';
import {
  CONDITION_OPS,
  FORWARD_STAGES,
  LEAD_OBJECT_FIELDS,
  LEAD_SCALAR_FIELDS,
  LIFECYCLE_STAGES,
  STEP_ID_PATTERN,
  type Condition,
  type ConditionOp,
  type Goal,
  type GoalCriterion,
  type PropertyFilter,
  type Scalar,
} from './program-definition.js';

/** Event types are snake_case, like `content_downloaded`. */
export const EVENT_TYPE_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;
const EVENT_TYPE_HINT = 'must be a snake_case event type such as content_downloaded';
const FIELD_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_-]+)+$/;
const MAX_DEPTH = 8;
/** A number written as text, as conditions compare it numerically. */
export const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;
const MAX_CHILDREN = 50;
const COMBINATORS = ['and', 'or', 'not', 'clicked', 'opened', 'event'] as const;
const DURATION_HINT = 'must be a positive ISO-8601 duration such as P3D, PT2H or P1DT12H';

export interface ConditionRules {
  /** `clicked` / `opened` refer to steps of an enrollment: allowed in branches and goals, not in triggers. */
  allowStepEvents: boolean;
}

/**
 * Reads a condition tree: `{field, op, value}` leaves combined with `{and}`, `{or}`, `{not}`,
 * plus past-event tests `{clicked: {step}}`, `{opened: {step}}`, `{event: {type, within?}}`.
 */
export function parseCondition(
  r: DefinitionReader,
  value: unknown,
  path: string,
  rules: ConditionRules,
  depth = 0,
): Condition | undefined {
  if (!isPlainObject(value)) return r.fail(path, 'must be a condition object');
  if (depth >= MAX_DEPTH) return r.fail(path, `conditions may be nested at most ${MAX_DEPTH} levels deep`);
  if ('field' in value || 'op' in value) return parseFieldCondition(r, value, path);
  const keys = Object.keys(value);
  const kind = keys[0];
  if (keys.length !== 1 || !(COMBINATORS as readonly string[]).includes(kind)) {
    return r.fail(path, 'must be {field, op, value} or have exactly one of: and, or, not, clicked, opened, event');
  }
  const inner = value[kind];
  const innerPath = at(path, kind);
  if (inner === null) return r.refuseNull(innerPath);
  switch (kind) {
    case 'and':
    case 'or': {
      const items = r.array(inner, innerPath, 1, MAX_CHILDREN);
      if (!items) return undefined;
      const parsed = items.map((item, i) => parseCondition(r, item, `${innerPath}[${i}]`, rules, depth + 1));
      if (parsed.some((c) => c === undefined)) return undefined;
      return kind === 'and' ? { and: parsed as Condition[] } : { or: parsed as Condition[] };
    }
    case 'not': {
      const parsed = parseCondition(r, inner, innerPath, rules, depth + 1);
      return parsed && { not: parsed };
    }
    case 'clicked':
    case 'opened': {
      if (!rules.allowStepEvents) {
        return r.fail(innerPath, 'refers to an email of the enrollment and is only allowed in branches and the goal');
      }
      const obj = r.object(inner, innerPath, ['step']);
      const step = obj && r.string(obj, 'step', innerPath, { required: true, pattern: STEP_ID_PATTERN, patternHint: 'must be a step id' });
      if (!step) return undefined;
      return kind === 'clicked' ? { clicked: { step } } : { opened: { step } };
    }
    default: {
      const obj = r.object(inner, innerPath, ['type', 'within']);
      if (!obj) return undefined;
      const type = r.string(obj, 'type', innerPath, { required: true, pattern: EVENT_TYPE_PATTERN, patternHint: EVENT_TYPE_HINT });
      const within = parsePositiveDuration(r, obj, 'within', innerPath, false);
      if (!type || (obj.within !== undefined && !within)) return undefined;
      return { event: within ? { type, within } : { type } };
    }
  }
}

function parseFieldCondition(r: DefinitionReader, value: Record<string, unknown>, path: string): Condition | undefined {
  // A null value is one to compare with (equals null: the field is empty), not a field left out.
  const obj = r.object(value, path, ['field', 'op', 'value'], ['value']);
  if (!obj) return undefined;
  const field = parseLeadField(r, obj, path);
  const op = r.oneOf(obj, 'op', path, CONDITION_OPS);
  if (!field || !op) return undefined;
  const operand = parseOperand(r, op, obj.value, at(path, 'value'));
  if (operand === INVALID) return undefined;
  if (field === 'stage' && !stageOperandIsKnown(operand)) {
    return r.fail(at(path, 'value'), `must be a lifecycle stage: ${LIFECYCLE_STAGES.join(', ')}`);
  }
  return operand === undefined ? { field, op } : { field, op, value: operand };
}

function parseLeadField(r: DefinitionReader, obj: Record<string, unknown>, path: string): string | undefined {
  const field = r.string(obj, 'field', path, { required: true, max: 120 });
  if (!field) return undefined;
  const [root] = field.split('.');
  if ((LEAD_SCALAR_FIELDS as readonly string[]).includes(field)) return field;
  if ((LEAD_OBJECT_FIELDS as readonly string[]).includes(root) && FIELD_PATH.test(field)) return field;
  return r.fail(
    at(path, 'field'),
    `must be a lead field (${LEAD_SCALAR_FIELDS.join(', ')}) or a path under ${LEAD_OBJECT_FIELDS.map((f) => `${f}.`).join(', ')}`,
  );
}

const INVALID = Symbol('invalid');

function parseOperand(r: DefinitionReader, op: ConditionOp, value: unknown, path: string): Scalar | Scalar[] | undefined | typeof INVALID {
  switch (op) {
    case 'exists':
      if (value === undefined || typeof value === 'boolean') return value;
      r.fail(path, 'must be true or false (or left out) for exists');
      return INVALID;
    case 'in': {
      const items = r.array(value, path, 1, 100);
      if (!items) return INVALID;
      const scalars = items.map((item, i) => r.scalar(item, `${path}[${i}]`));
      return scalars.some((s) => s === undefined) ? INVALID : (scalars as Scalar[]);
    }
    case 'contains':
    case 'startsWith':
    case 'endsWith':
      if (typeof value === 'string' && value.length > 0) return value;
      r.fail(path, `must be a non-empty string for ${op}`);
      return INVALID;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      // A string compares as a number or as an instant (in SQL too: segments cast it), so it must be one.
      if ((typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && (DECIMAL.test(value.trim()) || isTimestamp(value, { requireOffset: false })))) {
        return value;
      }
      r.fail(path, `must be a number or an ISO-8601 date for ${op}`);
      return INVALID;
    default: {
      const scalar = value === undefined ? r.fail(path, `is required for ${op}`) : r.scalar(value, path);
      return scalar === undefined ? INVALID : scalar;
    }
  }
}

function stageOperandIsKnown(operand: Scalar | Scalar[] | undefined): boolean {
  if (operand === undefined) return true;
  const values = Array.isArray(operand) ? operand : [operand];
  return values.every((v) => typeof v === 'string' && (LIFECYCLE_STAGES as readonly string[]).includes(v));
}

/**
 * Reads an equality filter `{"properties.asset": "gids"}`; every key must start with one of `prefixes`.
 * An array value means "any of these".
 */
export function parsePropertyFilter(
  r: DefinitionReader,
  value: unknown,
  path: string,
  prefixes: readonly string[],
): PropertyFilter | undefined {
  if (!isPlainObject(value)) return r.fail(path, 'must be an object of field paths and values');
  const entries = Object.entries(value);
  if (entries.length === 0) return r.fail(path, 'must not be empty; leave it out to match everything');
  if (entries.length > 20) return r.fail(path, 'must have at most 20 fields');
  const filter: PropertyFilter = {};
  let ok = true;
  for (const [key, raw] of entries) {
    const field = at(path, key);
    if (!FIELD_PATH.test(key) || !prefixes.some((p) => key.startsWith(p))) {
      r.fail(field, `must be a field path starting with ${prefixes.join(' or ')}`);
      ok = false;
      continue;
    }
    if (Array.isArray(raw)) {
      const items = r.array(raw, field, 1, 100)?.map((item, i) => r.scalar(item, `${field}[${i}]`));
      if (!items || items.some((s) => s === undefined)) ok = false;
      else filter[key] = items as Scalar[];
    } else {
      const scalar = r.scalar(raw, field);
      if (scalar === undefined) ok = false;
      else filter[key] = scalar;
    }
  }
  return ok ? filter : undefined;
}

/** Reads a goal: `{anyOf: [...]}` or `{allOf: [...]}` of `{stageAtLeast}`, `{event}` or conditions. */
export function parseGoal(r: DefinitionReader, value: unknown, path: string): Goal | undefined {
  if (!isPlainObject(value)) return r.fail(path, 'must be {anyOf: [...]} or {allOf: [...]}');
  const keys = Object.keys(value);
  if (keys.length !== 1 || (keys[0] !== 'anyOf' && keys[0] !== 'allOf')) {
    return r.fail(path, 'must have exactly one of anyOf, allOf');
  }
  const key = keys[0];
  if (value[key] === null) return r.refuseNull(at(path, key));
  const items = r.array(value[key], at(path, key), 1, MAX_CHILDREN);
  if (!items) return undefined;
  const criteria = items.map((item, i) => parseGoalCriterion(r, item, `${at(path, key)}[${i}]`));
  if (criteria.some((c) => c === undefined)) return undefined;
  return key === 'anyOf' ? { anyOf: criteria as GoalCriterion[] } : { allOf: criteria as GoalCriterion[] };
}

function parseGoalCriterion(r: DefinitionReader, value: unknown, path: string): GoalCriterion | undefined {
  if (isPlainObject(value) && 'stageAtLeast' in value) {
    const obj = r.object(value, path, ['stageAtLeast']);
    const stage = obj && r.oneOf(obj, 'stageAtLeast', path, FORWARD_STAGES);
    return stage && { stageAtLeast: stage };
  }
  if (isPlainObject(value) && typeof value.event === 'string') {
    const obj = r.object(value, path, ['event']);
    const type = obj && r.string(obj, 'event', path, { required: true, pattern: EVENT_TYPE_PATTERN, patternHint: EVENT_TYPE_HINT });
    return type ? { event: type } : undefined;
  }
  return parseCondition(r, value, path, { allowStepEvents: true });
}

/** Reads an optional (or required) ISO-8601 duration that must be longer than zero. */
export function parsePositiveDuration(
  r: DefinitionReader,
  obj: Record<string, unknown>,
  key: string,
  path: string,
  required: boolean,
): string | undefined {
  const text = r.string(obj, key, path, { required, max: 40 });
  if (text === undefined) return undefined;
  const parsed = parseDuration(text);
  if (!parsed || isZeroDuration(parsed)) return r.fail(at(path, key), DURATION_HINT);
  return text;
}
