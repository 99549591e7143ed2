import type { FieldReader } from './field-reader.js';
import { CONDITION_OPS, SCORING_LIMITS, type Condition, type ConditionOp } from './scoring-model.types.js';

/** Which fact paths a kind of rule may test: plain `fields`, or any key under one of `objects`. */
export interface FactVocabulary {
  fields: readonly string[];
  objects: readonly string[];
}

const PATH = /^[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*$/;
const TEXT_OPS: readonly ConditionOp[] = ['contains', 'startsWith', 'endsWith', 'matches'];
const NUMBER_OPS: readonly ConditionOp[] = ['gt', 'gte', 'lt', 'lte'];
const MAX_TEXT = SCORING_LIMITS.maxStringLength;

/** Reads one condition of a rule, reporting problems under `field` (e.g. `behaviourRules[2].where[0]`). */
export function readCondition(r: FieldReader, value: unknown, field: string, facts: FactVocabulary): Condition | undefined {
  const raw = r.object(value, field, ['field', 'op', 'value']);
  if (!raw) return undefined;
  const path = readFactPath(r, raw['field'], `${field}.field`, facts);
  const op = r.oneOf(raw['op'], `${field}.op`, CONDITION_OPS);
  if (!op) return undefined;
  const valueField = `${field}.value`;
  const v = raw['value'];
  const ok = checkValue(r, op, v, valueField);
  if (!path || !ok) return undefined;
  return v === undefined ? { field: path, op } : { field: path, op, value: v as Condition['value'] };
}

function readFactPath(r: FieldReader, value: unknown, field: string, facts: FactVocabulary): string | undefined {
  const path = r.string(value, field, 200, { pattern: PATH, message: 'must be a dotted path such as properties.url' });
  if (!path) return undefined;
  const [root, ...rest] = path.split('.');
  const known = rest.length === 0 ? facts.fields.includes(path) : facts.objects.includes(root!);
  if (!known) {
    const choices = [...facts.fields, ...facts.objects.map((o) => `${o}.…`)].join(', ');
    return r.fail(field, `is not a fact this rule can test; use one of ${choices}`);
  }
  return path;
}

function checkValue(r: FieldReader, op: ConditionOp, v: unknown, field: string): boolean {
  const before = r.errors.length;
  if (v === null) {
    r.refusedNull(field);
  } else if (op === 'exists') {
    if (v !== undefined && typeof v !== 'boolean') r.fail(field, 'must be true or false when given');
  } else if (op === 'in') {
    const items = r.array(v, field, SCORING_LIMITS.maxInValues, 'values');
    if (items && items.length === 0) r.fail(field, 'must list at least one value');
    items?.forEach((item, i) => checkScalar(r, item, `${field}[${i}]`, false));
  } else if (TEXT_OPS.includes(op)) {
    r.string(v, field, MAX_TEXT);
  } else if (NUMBER_OPS.includes(op)) {
    r.number(v, field, -Number.MAX_VALUE, Number.MAX_VALUE);
  } else {
    checkScalar(r, v, field, true);
  }
  return r.errors.length === before;
}

function checkScalar(r: FieldReader, v: unknown, field: string, allowBoolean: boolean): void {
  if (v === undefined) {
    r.required(field);
  } else if (v === null) {
    r.refusedNull(field);
  } else if (typeof v === 'string') {
    if (v.length > MAX_TEXT) r.fail(field, `must be at most ${MAX_TEXT} characters`);
  } else if (typeof v === 'number') {
    if (!Number.isFinite(v)) r.fail(field, 'must be a finite number');
  } else if (!(allowBoolean && typeof v === 'boolean')) {
    r.fail(field, allowBoolean ? 'must be a string, number or boolean' : 'must be a string or number');
  }
}
