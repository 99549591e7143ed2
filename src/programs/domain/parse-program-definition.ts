import type { FieldError } from '../../common/domain-error.js';
import { DefinitionReader, at, isPlainObject } from './definition-reader.js';
import { EVENT_TYPE_PATTERN, parseCondition, parseGoal, parsePropertyFilter } from './parse-condition.js';
import { parseStep } from './parse-steps.js';
import {
  DEFAULT_GOAL,
  DEFAULT_REENROLLMENT,
  DEFAULT_SEND_WINDOW,
  LIFECYCLE_STAGES,
  MAX_STEPS,
  TRIGGER_TYPES,
  WEEKDAYS,
  type ProgramDefinition,
  type ProgramStep,
  type ReenrollmentPolicy,
  type SendWindow,
  type Trigger,
  type Weekday,
} from './program-definition.js';

const PROGRAM_FIELDS = ['name', 'description', 'trigger', 'entryFilter', 'goal', 'reenrollment', 'sendWindow', 'locales', 'steps'];
const LOCALE_PATTERN = /^[a-z]{2,3}(-[A-Z]{2})?$/;
const CLOCK_PATTERN = /^([01]\d|2[0-3]):[0-5]\d$/;
/** A window may close at 24:00 (midnight). */
const CLOSING_PATTERN = /^(([01]\d|2[0-3]):[0-5]\d|24:00)$/;

/**
 * Checks the shape and types of a program definition (untrusted JSON) and fills in defaults:
 * goal "became MQL or booked a meeting", re-enrollment never, send window Mon–Fri 09:00–17:00.
 * Unknown fields are refused. Returns the definition only when there are no errors; whether the
 * steps form a valid graph is checked separately by `validateStepGraph`.
 */
export function parseProgramDefinition(input: unknown): { definition?: ProgramDefinition; errors: FieldError[] } {
  const r = new DefinitionReader();
  const obj = r.object(input, '', PROGRAM_FIELDS);
  if (!obj) return { errors: [{ field: 'body', message: 'the program definition must be a JSON object' }] };

  const name = r.string(obj, 'name', '', { required: true, max: 200 });
  const description = r.string(obj, 'description', '', { max: 2000 });
  const trigger = obj.trigger === undefined ? r.fail('trigger', 'is required') : parseTrigger(r, obj.trigger, 'trigger');
  const entryFilter =
    obj.entryFilter === undefined ? undefined : parseCondition(r, obj.entryFilter, 'entryFilter', { allowStepEvents: false });
  const goal = obj.goal === undefined ? structuredClone(DEFAULT_GOAL) : parseGoal(r, obj.goal, 'goal');
  const reenrollment =
    obj.reenrollment === undefined ? structuredClone(DEFAULT_REENROLLMENT) : parseReenrollment(r, obj.reenrollment, 'reenrollment');
  const sendWindow =
    obj.sendWindow === undefined ? structuredClone(DEFAULT_SEND_WINDOW) : parseSendWindow(r, obj.sendWindow, 'sendWindow');
  const locales = obj.locales === undefined ? undefined : parseLocales(r, obj.locales, 'locales');
  const steps = parseSteps(r, obj.steps);

  if (r.errors.length > 0 || !name || !trigger || !goal || !reenrollment || !sendWindow || !steps) {
    return { errors: r.errors };
  }
  const definition: ProgramDefinition = {
    name,
    ...(description && { description }),
    trigger,
    ...(entryFilter && { entryFilter }),
    goal,
    reenrollment,
    sendWindow,
    ...(locales && { locales }),
    steps,
  };
  return { definition, errors: [] };
}

function parseSteps(r: DefinitionReader, value: unknown): ProgramStep[] | undefined {
  if (value === undefined) return r.fail('steps', 'is required');
  const items = r.array(value, 'steps', 1, MAX_STEPS);
  if (!items) return undefined;
  const steps = items.map((item, i) => parseStep(r, item, `steps[${i}]`));
  return steps.every((s) => s !== undefined) ? (steps as ProgramStep[]) : undefined;
}

function parseTrigger(r: DefinitionReader, value: unknown, path: string): Trigger | undefined {
  if (!isPlainObject(value)) return r.fail(path, 'must be an object');
  const type = r.oneOf(value, 'type', path, TRIGGER_TYPES);
  if (!type) return undefined;
  switch (type) {
    case 'event': {
      const obj = r.object(value, path, ['type', 'eventType', 'where']);
      const eventType =
        obj && r.string(obj, 'eventType', path, { required: true, pattern: EVENT_TYPE_PATTERN, patternHint: 'must be a snake_case event type' });
      const where = value.where === undefined ? undefined : parsePropertyFilter(r, value.where, at(path, 'where'), ['properties.']);
      if (!eventType || (value.where !== undefined && !where)) return undefined;
      return where ? { type, eventType, where } : { type, eventType };
    }
    case 'lead_created': {
      r.object(value, path, ['type', 'where']);
      if (value.where === undefined) return { type };
      const where = parsePropertyFilter(r, value.where, at(path, 'where'), ['source.']);
      return where && { type, where };
    }
    case 'stage_entered': {
      const obj = r.object(value, path, ['type', 'stage']);
      const stage = obj && r.oneOf(obj, 'stage', path, LIFECYCLE_STAGES);
      return stage && { type, stage };
    }
    case 'segment': {
      r.object(value, path, ['type', 'where']);
      if (value.where === undefined) return r.fail(at(path, 'where'), 'is required');
      const where = parseCondition(r, value.where, at(path, 'where'), { allowStepEvents: false });
      return where && { type, where };
    }
    case 'manual':
      r.object(value, path, ['type']);
      return { type };
  }
}

function parseReenrollment(r: DefinitionReader, value: unknown, path: string): ReenrollmentPolicy | undefined {
  if (!isPlainObject(value)) return r.fail(path, 'must be {policy: "never"} or {policy: "after", days}');
  const policy = r.oneOf(value, 'policy', path, ['never', 'after'] as const);
  if (policy === 'never') {
    r.object(value, path, ['policy']);
    return { policy };
  }
  if (policy === 'after') {
    r.object(value, path, ['policy', 'days']);
    const days = r.integer(value, 'days', path, 1, 3650);
    return days === undefined ? undefined : { policy, days };
  }
  return undefined;
}

function parseSendWindow(r: DefinitionReader, value: unknown, path: string): SendWindow | undefined {
  const obj = r.object(value, path, ['days', 'from', 'to']);
  if (!obj) return undefined;
  const daysPath = at(path, 'days');
  const items = obj.days === undefined ? r.fail(daysPath, 'is required') : r.array(obj.days, daysPath, 1, 7);
  let days: Weekday[] | undefined;
  if (items) {
    const bad = items.findIndex((d) => typeof d !== 'string' || !(WEEKDAYS as readonly string[]).includes(d));
    if (bad >= 0) r.fail(`${daysPath}[${bad}]`, `must be one of ${WEEKDAYS.join(', ')}`);
    else if (new Set(items).size !== items.length) r.fail(daysPath, 'must not repeat a day');
    else days = items as Weekday[];
  }
  const from = r.string(obj, 'from', path, { required: true, max: 5, pattern: CLOCK_PATTERN, patternHint: 'must be a time HH:mm, e.g. 09:00' });
  const to = r.string(obj, 'to', path, {
    required: true,
    max: 5,
    pattern: CLOSING_PATTERN,
    patternHint: 'must be a time HH:mm, e.g. 17:00 (24:00 for midnight)',
  });
  if (!days || !from || !to) return undefined;
  if (from >= to) return r.fail(at(path, 'to'), `must be later than from (${from})`);
  return { days: WEEKDAYS.filter((d) => days.includes(d)), from, to };
}

function parseLocales(r: DefinitionReader, value: unknown, path: string): string[] | undefined {
  const items = r.array(value, path, 1, 20);
  if (!items) return undefined;
  const bad = items.findIndex((l) => typeof l !== 'string' || !LOCALE_PATTERN.test(l));
  if (bad >= 0) return r.fail(`${path}[${bad}]`, 'must be a locale code such as nl, en, fr or nl-BE');
  if (new Set(items).size !== items.length) return r.fail(path, 'must not repeat a locale');
  return items as string[];
}
