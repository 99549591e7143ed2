import { globMatches } from './glob.js';
import type { Condition, ConditionOp } from './scoring-model.types.js';

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;

/**
 * Whether a condition holds for a set of facts. `cond.field` is a dotted path into `facts`
 * (`properties.url`, `attributes.employees`); only own properties are followed.
 *
 * - Text comparisons ignore case; `matches` is a glob (`*`, `?`) over the whole value.
 * - `gt`/`gte`/`lt`/`lte` compare numbers; numeric strings such as `"12"` count as numbers.
 * - `equals` with a number compares numerically (`"10"` equals `10`).
 * - A missing, null or empty value matches nothing except `notEquals` and `exists: false`.
 * - When the fact is a list, the condition holds if any item matches (`notEquals`: if no item equals).
 */
export function matchesCondition(cond: Condition, facts: Record<string, unknown>): boolean {
  const { op, value } = cond;
  const actual = resolvePath(facts, cond.field);
  if (op === 'exists') return isPresent(actual) === (value !== false);
  if (!isPresent(actual)) return op === 'notEquals';
  if (Array.isArray(actual)) {
    if (op === 'notEquals') return actual.every((item) => !equalsValue(item, value));
    return actual.some((item) => testValue(op, item, value));
  }
  return testValue(op, actual, value);
}

/** Paths split into keys, by path: paths come from scoring models and programs (a small set), and every event tests them. */
const SPLIT_PATHS = new Map<string, readonly string[]>();
const SPLIT_PATHS_MAX = 10_000;

function keysOf(path: string): readonly string[] {
  let keys = SPLIT_PATHS.get(path);
  if (!keys) {
    keys = path.split('.');
    if (SPLIT_PATHS.size >= SPLIT_PATHS_MAX) SPLIT_PATHS.clear();
    SPLIT_PATHS.set(path, keys);
  }
  return keys;
}

/** The value at a dotted path, following own properties only; `undefined` when any step is missing. */
export function resolvePath(facts: Record<string, unknown>, path: string): unknown {
  let current: unknown = facts;
  for (const key of keysOf(path)) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function isPresent(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') return value.trim() !== '';
  if (Array.isArray(value)) return value.length > 0;
  return true;
}

function testValue(op: Exclude<ConditionOp, 'exists'>, actual: unknown, expected: Condition['value']): boolean {
  switch (op) {
    case 'equals':
      return equalsValue(actual, expected);
    case 'notEquals':
      return !equalsValue(actual, expected);
    case 'in': {
      if (!Array.isArray(expected)) return false;
      const a = comparable(actual); // read once, not once per item
      return expected.some((item) => equalsComparable(a, item));
    }
    case 'contains':
    case 'startsWith':
    case 'endsWith':
    case 'matches':
      return testText(op, asText(actual), asText(expected));
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return compareNumbers(op, asNumber(actual), asNumber(expected));
  }
}

function testText(op: 'contains' | 'startsWith' | 'endsWith' | 'matches', actual: string | null, expected: string | null): boolean {
  if (actual === null || expected === null) return false;
  if (op === 'matches') return globMatches(expected, actual);
  const a = actual.toLowerCase();
  const e = expected.toLowerCase();
  if (op === 'contains') return a.includes(e);
  if (op === 'startsWith') return a.startsWith(e);
  return a.endsWith(e);
}

function compareNumbers(op: 'gt' | 'gte' | 'lt' | 'lte', a: number | null, b: number | null): boolean {
  if (a === null || b === null) return false;
  if (op === 'gt') return a > b;
  if (op === 'gte') return a >= b;
  if (op === 'lt') return a < b;
  return a <= b;
}

function equalsValue(actual: unknown, expected: Condition['value']): boolean {
  return equalsComparable(comparable(actual), expected);
}

/**
 * A fact read for equality tests: as a number, and as lower-case text only once a test needs it (null
 * when it is not text; undefined until then), so `in` reads the fact once and `equals` on a number never
 * lower-cases it.
 */
interface Comparable {
  raw: unknown;
  number: number | null;
  lower?: string | null;
}

function comparable(actual: unknown): Comparable {
  return { raw: actual, number: asNumber(actual) };
}

function lowerOf(actual: Comparable): string | null {
  if (actual.lower === undefined) actual.lower = asText(actual.raw)?.toLowerCase() ?? null;
  return actual.lower;
}

function equalsComparable(actual: Comparable, expected: Condition['value']): boolean {
  if (expected === undefined || Array.isArray(expected)) return false;
  if (typeof expected === 'boolean') {
    return actual.raw === expected || (typeof actual.raw === 'string' && actual.raw.trim().toLowerCase() === String(expected));
  }
  if (actual.number !== null) {
    const e = asNumber(expected); // only a numeric fact can equal numerically
    if (e !== null) return actual.number === e;
  }
  if (typeof expected === 'number') return false;
  const lower = lowerOf(actual);
  return lower !== null && lower === expected.toLowerCase();
}

function asText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

function asNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && DECIMAL.test(value.trim())) {
    const n = Number(value.trim());
    return Number.isFinite(n) ? n : null;
  }
  return null;
}
