import { FieldReader, isRecord, type FieldError } from './field-reader.js';
import { describeDurationProblem, parseFixedDuration } from './iso-duration.js';
import {
  BEHAVIOUR_FACT_FIELDS,
  BEHAVIOUR_FACT_OBJECTS,
  FIT_FACT_FIELDS,
  FIT_FACT_OBJECTS,
  INTENT_TIERS,
  QUALIFICATION_FIELDS,
  SCORING_LIMITS as L,
  type BehaviourRule,
  type Condition,
  type FitRule,
  type IntentTier,
  type MqlRuleConfig,
  type QualificationField,
  type ScoringModelDefinition,
} from './scoring-model.types.js';
import { readCondition, type FactVocabulary } from './validate-condition.js';

export interface ScoringModelValidation {
  /** The model, copied from the input; only present when there are no errors. */
  model?: ScoringModelDefinition;
  errors: FieldError[];
}

const SNAKE_CASE = { pattern: /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/, message: 'must be snake_case, such as page_viewed' };
const RULE_ID = {
  pattern: /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/,
  message: 'must start with a letter or digit and use only letters, digits, -, _, . and :',
};
const BEHAVIOUR_FACTS: FactVocabulary = { fields: BEHAVIOUR_FACT_FIELDS, objects: BEHAVIOUR_FACT_OBJECTS };
const FIT_FACTS: FactVocabulary = { fields: FIT_FACT_FIELDS, objects: FIT_FACT_OBJECTS };
const DAY_MS = 86_400_000;

/**
 * Checks an untrusted scoring model (e.g. a PUT body) and returns a clean copy of it, or every
 * problem found, each naming its field (`behaviourRules[2].cap.window`). A null is refused naming its field,
 * as DTOs refuse it, except `mql.minFitScore`, where null means no fit requirement (and GET answers it so).
 * Never throws.
 */
export function validateScoringModel(input: unknown): ScoringModelValidation {
  const r = new FieldReader();
  const model = readModel(r, input);
  return model && r.errors.length === 0 ? { model, errors: [] } : { errors: r.errors };
}

function readModel(r: FieldReader, input: unknown): ScoringModelDefinition | undefined {
  const keys = ['halfLifeDays', 'behaviourRules', 'fitRules', 'intentTiers', 'mql'];
  const raw = r.object(input, '', keys);
  if (!raw) return undefined;
  const halfLifeDays = r.number(raw['halfLifeDays'], 'halfLifeDays', L.minHalfLifeDays, L.maxHalfLifeDays);
  const behaviourRules = readList(r, raw['behaviourRules'], 'behaviourRules', readBehaviourRule);
  const fitRules = readList(r, raw['fitRules'], 'fitRules', readFitRule);
  const intentTiers = readIntentTiers(r, raw['intentTiers']);
  const mql = readMql(r, raw['mql']);
  checkUniqueIds(r, raw['behaviourRules'], raw['fitRules']);
  if (halfLifeDays === undefined || !behaviourRules || !fitRules || !intentTiers || !mql) return undefined;
  return { halfLifeDays, behaviourRules, fitRules, intentTiers, mql };
}

function readList<T>(r: FieldReader, value: unknown, field: string, readItem: (r: FieldReader, v: unknown, f: string) => T | undefined): T[] | undefined {
  const items = r.array(value, field, L.maxRules, 'rules');
  if (!items) return undefined;
  const out = items.map((item, i) => readItem(r, item, `${field}[${i}]`));
  return out.every((item) => item !== undefined) ? (out as T[]) : undefined;
}

function readBehaviourRule(r: FieldReader, value: unknown, field: string): BehaviourRule | undefined {
  const raw = r.object(value, field, ['id', 'description', 'eventType', 'where', 'points', 'cap']);
  if (!raw) return undefined;
  const id = r.string(raw['id'], `${field}.id`, L.maxIdLength, RULE_ID);
  const description = r.string(raw['description'], `${field}.description`, L.maxStringLength);
  const eventType = r.string(raw['eventType'], `${field}.eventType`, L.maxIdLength, SNAKE_CASE);
  const where = raw['where'] === undefined ? [] : readConditions(r, raw['where'], `${field}.where`, BEHAVIOUR_FACTS, 0);
  const points = r.number(raw['points'], `${field}.points`, -L.maxPoints, L.maxPoints);
  const cap = raw['cap'] === undefined ? null : readCap(r, raw['cap'], `${field}.cap`);
  if (!id || !description || !eventType || !where || points === undefined || cap === undefined) return undefined;
  return {
    id,
    description,
    eventType,
    ...(raw['where'] === undefined ? {} : { where }),
    points,
    ...(cap === null ? {} : { cap }),
  };
}

function readFitRule(r: FieldReader, value: unknown, field: string): FitRule | undefined {
  const raw = r.object(value, field, ['id', 'description', 'where', 'points']);
  if (!raw) return undefined;
  const id = r.string(raw['id'], `${field}.id`, L.maxIdLength, RULE_ID);
  const description = r.string(raw['description'], `${field}.description`, L.maxStringLength);
  const where = readConditions(r, raw['where'], `${field}.where`, FIT_FACTS, 1);
  const points = r.number(raw['points'], `${field}.points`, -L.maxPoints, L.maxPoints);
  if (!id || !description || !where || points === undefined) return undefined;
  return { id, description, where, points };
}

function readConditions(r: FieldReader, value: unknown, field: string, facts: FactVocabulary, min: number): Condition[] | undefined {
  const items = r.array(value, field, L.maxConditionsPerRule, 'conditions');
  if (!items) return undefined;
  if (items.length < min) return r.fail(field, `must list at least ${min} condition`);
  const out = items.map((item, i) => readCondition(r, item, `${field}[${i}]`, facts));
  return out.every((c) => c !== undefined) ? (out as Condition[]) : undefined;
}

function readCap(r: FieldReader, value: unknown, field: string): BehaviourRule['cap'] {
  const raw = r.object(value, field, ['max', 'window']);
  if (!raw) return undefined;
  const max = r.number(raw['max'], `${field}.max`, 1, L.maxCapMax, true);
  let window = r.string(raw['window'], `${field}.window`, 40);
  if (window !== undefined) {
    const problem = describeDurationProblem(window);
    if (problem) window = r.fail(`${field}.window`, problem);
    else if (parseFixedDuration(window)! > L.maxCapWindowDays * DAY_MS) {
      window = r.fail(`${field}.window`, `must be at most ${L.maxCapWindowDays} days (P${L.maxCapWindowDays}D)`);
    }
  }
  return max === undefined || window === undefined ? undefined : { max, window };
}

function readIntentTiers(r: FieldReader, value: unknown): Record<string, IntentTier> | undefined {
  if (value === undefined) return r.required('intentTiers');
  if (value === null) return r.refusedNull('intentTiers');
  if (!isRecord(value)) return r.fail('intentTiers', 'must be an object of event type → high, medium or low');
  const entries = Object.entries(value);
  if (entries.length > L.maxIntentTiers) return r.fail('intentTiers', `has ${entries.length} event types; at most ${L.maxIntentTiers} are allowed`);
  const out: Record<string, IntentTier> = {};
  let ok = true;
  for (const [type, tier] of entries) {
    const field = `intentTiers.${type.slice(0, L.maxIdLength)}`;
    const validType = r.string(type, field, L.maxIdLength, { ...SNAKE_CASE, message: `event type ${SNAKE_CASE.message}` });
    const validTier = r.oneOf(tier, field, INTENT_TIERS);
    if (validType && validTier) out[validType] = validTier;
    else ok = false;
  }
  return ok ? out : undefined;
}

function readMql(r: FieldReader, value: unknown): MqlRuleConfig | undefined {
  const keys = ['engagementThreshold', 'minQualificationKnown', 'qualificationFields', 'minFitScore'];
  const raw = r.object(value, 'mql', keys);
  if (!raw) return undefined;
  const engagementThreshold = r.number(raw['engagementThreshold'], 'mql.engagementThreshold', 0, 100_000);
  const fields = readQualificationFields(r, raw['qualificationFields']);
  const minQualificationKnown = r.number(raw['minQualificationKnown'], 'mql.minQualificationKnown', 0, fields?.length ?? QUALIFICATION_FIELDS.length, true);
  const minFitScore = readMinFitScore(r, raw);
  if (engagementThreshold === undefined || !fields || minQualificationKnown === undefined || minFitScore === undefined) return undefined;
  return { engagementThreshold, minQualificationKnown, qualificationFields: fields, minFitScore };
}

function readMinFitScore(r: FieldReader, raw: Record<string, unknown>): number | null | undefined {
  const field = 'mql.minFitScore';
  if (!Object.hasOwn(raw, 'minFitScore')) return r.fail(field, 'is required (null for no fit requirement)');
  return raw['minFitScore'] === null ? null : r.number(raw['minFitScore'], field, -100_000, 100_000);
}

function readQualificationFields(r: FieldReader, value: unknown): QualificationField[] | undefined {
  const items = r.array(value, 'mql.qualificationFields', QUALIFICATION_FIELDS.length, 'fields');
  if (!items) return undefined;
  const out = items.map((item, i) => r.oneOf(item, `mql.qualificationFields[${i}]`, QUALIFICATION_FIELDS));
  const seen = new Set<string>();
  out.forEach((f, i) => {
    if (f && seen.has(f)) r.fail(`mql.qualificationFields[${i}]`, `lists ${f} twice`);
    if (f) seen.add(f);
  });
  return out.every((f) => f !== undefined) && seen.size === out.length ? (out as QualificationField[]) : undefined;
}

/** Ledger rows name their rule by id, so ids must be unique across behaviour and fit rules. */
function checkUniqueIds(r: FieldReader, behaviourRules: unknown, fitRules: unknown): void {
  const firstAt = new Map<string, string>();
  const lists = [
    { name: 'behaviourRules', items: behaviourRules },
    { name: 'fitRules', items: fitRules },
  ];
  for (const { name, items } of lists) {
    if (!Array.isArray(items) || items.length > L.maxRules) continue;
    items.forEach((rule: unknown, i) => {
      const id = isRecord(rule) ? rule['id'] : undefined;
      if (typeof id !== 'string') return;
      const first = firstAt.get(id);
      if (first) r.fail(`${name}[${i}].id`, `"${id}" is already the id of ${first}`);
      else firstAt.set(id, `${name}[${i}]`);
    });
  }
}
