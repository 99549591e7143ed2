import { leadFieldProblem } from '../../leads/lead-field-rules.js';
import { DefinitionReader, at, isPlainObject } from './definition-reader.js';
import { isWholeDays, parseDuration } from './duration.js';
import { EVENT_TYPE_PATTERN, parseCondition, parsePositiveDuration, parsePropertyFilter } from './parse-condition.js';
import {
  HANDOFF_PRIORITIES,
  LEAD_WRITABLE_FIELDS,
  STEP_ID_PATTERN,
  STEP_TYPES,
  type EmailVariant,
  type ProgramStep,
  type Scalar,
} from './program-definition.js';

const ID_RULE = { required: true, max: 64, pattern: STEP_ID_PATTERN, patternHint: 'must be 1–64 characters: a-z, 0-9, _ or -' };
const TEMPLATE_ID_RULE = { max: 128 };
const MAX_VARIANTS = 10;

/** Fields each step type accepts (besides `id` and `type`). */
const STEP_FIELDS: Record<ProgramStep['type'], readonly string[]> = {
  email: ['templateId', 'variants', 'next'],
  wait: ['duration', 'businessDays', 'next'],
  wait_until: ['event', 'timeout', 'then', 'else'],
  branch: ['if', 'then', 'else'],
  update_lead: ['set', 'next'],
  handoff: ['priority', 'next'],
  exit: ['reason'],
};

/** Reads one step at `steps[index]`; whether its targets exist is the step graph's concern. */
export function parseStep(r: DefinitionReader, value: unknown, path: string): ProgramStep | undefined {
  if (!isPlainObject(value)) return r.fail(path, 'must be a step object');
  const type = r.oneOf(value, 'type', path, STEP_TYPES);
  if (!type) {
    r.string(value, 'id', path, ID_RULE);
    return undefined;
  }
  r.object(value, path, ['id', 'type', ...STEP_FIELDS[type]]);
  const id = r.string(value, 'id', path, ID_RULE);
  const before = r.errors.length;
  const step = readStepBody(r, value, path, type, id ?? '');
  return id && step && r.errors.length === before ? step : undefined;
}

function readStepBody(
  r: DefinitionReader,
  obj: Record<string, unknown>,
  path: string,
  type: ProgramStep['type'],
  id: string,
): ProgramStep | undefined {
  const target = (key: string) => r.string(obj, key, path, { ...ID_RULE, patternHint: 'must be the id of a step' });
  switch (type) {
    case 'email': {
      const templateId = r.string(obj, 'templateId', path, { ...TEMPLATE_ID_RULE, required: true });
      const variants = obj.variants === undefined ? undefined : parseVariants(r, obj.variants, at(path, 'variants'));
      const next = target('next');
      if (!templateId || !next) return undefined;
      return variants ? { id, type, templateId, variants, next } : { id, type, templateId, next };
    }
    case 'wait': {
      const duration = parsePositiveDuration(r, obj, 'duration', path, true);
      const businessDays = r.boolean(obj, 'businessDays', path);
      const next = target('next');
      if (!duration || !next) return undefined;
      if (businessDays && !isWholeDays(parseDuration(duration)!)) {
        return r.fail(at(path, 'duration'), 'must be a number of days (e.g. P3D, not P1W or PT12H) when businessDays is true');
      }
      return businessDays === undefined ? { id, type, duration, next } : { id, type, duration, businessDays, next };
    }
    case 'wait_until': {
      const event = parseAwaitedEvent(r, obj.event, at(path, 'event'));
      const timeout = parsePositiveDuration(r, obj, 'timeout', path, true);
      const then = target('then');
      const otherwise = target('else');
      if (!event || !timeout || !then || !otherwise) return undefined;
      return { id, type, event, timeout, then, else: otherwise };
    }
    case 'branch': {
      const condition =
        obj.if === undefined ? r.fail(at(path, 'if'), 'is required') : parseCondition(r, obj.if, at(path, 'if'), { allowStepEvents: true });
      const then = target('then');
      const otherwise = target('else');
      if (!condition || !then || !otherwise) return undefined;
      return { id, type, if: condition, then, else: otherwise };
    }
    case 'update_lead': {
      // A value the lead API would refuse is named by step id, as the step graph names its findings.
      const set = parseLeadUpdate(r, obj.set, at(path, 'set'), id ? `steps[${id}].set` : at(path, 'set'));
      const next = target('next');
      return set && next ? { id, type, set, next } : undefined;
    }
    case 'handoff': {
      const priority = r.oneOf(obj, 'priority', path, HANDOFF_PRIORITIES, false);
      const next = target('next');
      if (!next) return undefined;
      return priority ? { id, type, priority, next } : { id, type, next };
    }
    case 'exit': {
      const reason = r.string(obj, 'reason', path, { max: 200 });
      return reason ? { id, type, reason } : { id, type };
    }
  }
}

function parseVariants(r: DefinitionReader, value: unknown, path: string): EmailVariant[] | undefined {
  const items = r.array(value, path, 2, MAX_VARIANTS);
  if (!items) return undefined;
  const variants = items.map((item, i): EmailVariant | undefined => {
    const itemPath = `${path}[${i}]`;
    const obj = r.object(item, itemPath, ['templateId', 'subject', 'weight']);
    if (!obj) return undefined;
    const templateId = r.string(obj, 'templateId', itemPath, TEMPLATE_ID_RULE);
    const subject = r.string(obj, 'subject', itemPath, { max: 300 });
    const weight = obj.weight;
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight <= 0) {
      return r.fail(at(itemPath, 'weight'), 'must be a number greater than 0');
    }
    if ((obj.templateId !== undefined && !templateId) || (obj.subject !== undefined && !subject)) return undefined;
    return { ...(templateId && { templateId }), ...(subject && { subject }), weight };
  });
  return variants.every((v) => v !== undefined) ? (variants as EmailVariant[]) : undefined;
}

function parseAwaitedEvent(r: DefinitionReader, value: unknown, path: string) {
  if (value === undefined) return r.fail(path, 'is required');
  const obj = r.object(value, path, ['type', 'where', 'step']);
  if (!obj) return undefined;
  const type = r.string(obj, 'type', path, {
    required: true,
    pattern: EVENT_TYPE_PATTERN,
    patternHint: 'must be a snake_case event type such as email_clicked',
  });
  const where = obj.where === undefined ? undefined : parsePropertyFilter(r, obj.where, at(path, 'where'), ['properties.']);
  const step = r.string(obj, 'step', path, { ...ID_RULE, required: false, patternHint: 'must be the id of an email step' });
  if (!type || (obj.where !== undefined && !where) || (obj.step !== undefined && !step)) return undefined;
  return { type, ...(where && { where }), ...(step && { step }) };
}

/**
 * The fields and values of an `update_lead` step. Each value must be one the lead API accepts for that field
 * (see lead-field-rules: a program must not write a time zone or locale the API would refuse); such a value is
 * reported at `valuePath`.
 */
function parseLeadUpdate(r: DefinitionReader, value: unknown, path: string, valuePath: string): Record<string, Scalar> | undefined {
  if (!isPlainObject(value)) return r.fail(path, value === undefined ? 'is required' : 'must be an object of lead fields and values');
  const entries = Object.entries(value);
  if (entries.length === 0) return r.fail(path, 'must set at least one field');
  const set: Record<string, Scalar> = {};
  let ok = true;
  for (const [key, raw] of entries) {
    const writable = (LEAD_WRITABLE_FIELDS as readonly string[]).includes(key) || /^attributes\.[A-Za-z0-9_-]{1,64}$/.test(key);
    if (!writable) {
      r.fail(at(path, key), `is not a lead field a program may set (${LEAD_WRITABLE_FIELDS.join(', ')}, attributes.*)`);
      ok = false;
      continue;
    }
    const scalar = r.scalar(raw, at(path, key));
    const problem = scalar === undefined ? null : leadFieldProblem(key, scalar);
    if (problem) r.fail(at(valuePath, key), problem);
    if (scalar === undefined || problem) ok = false;
    else set[key] = scalar;
  }
  return ok ? set : undefined;
}
