import type { FieldError } from './domain-error.js';

/**
 * How deep objects and arrays may nest in a request body (the body itself is level 1), or in each event of a
 * batch: deeper input would exhaust the stack of the code that copies, validates or serialises it.
 */
export const MAX_JSON_DEPTH = 32;
/** Enough to name what is wrong without making the answer as large as a hostile request. */
const MAX_ERRORS = 10;


/** Why a string can be no field's value or name (a NUL character, a lone surrogate), or undefined. */
function textProblem(s: string): string | undefined {
  if (s.includes('\u0000')) return 'a NUL character';
  // A UTF-16 surrogate without its pair is no character, so not encodable as UTF-8 (validators that encode URIs throw on it).
  if (!s.isWellFormed()) return 'a lone surrogate (text that is not valid Unicode)';
  return undefined;
}

function child(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

/**
 * What no field of the API may hold, wherever it sits in parsed JSON or a query string: a NUL character in a
 * value or a field name (PostgreSQL refuses it in text and jsonb), a lone UTF-16 surrogate (a JSON escape such
 * as "\ud800" that is no character: PostgreSQL refuses it in jsonb, text would store it altered, and the email
 * and URL validators throw on it), or objects and arrays nested more than
 * MAX_JSON_DEPTH levels. Each problem names its field path under `path` (e.g. `properties.u`,
 * `events[1].properties.u`); the walk never goes deeper than the limit, so it is safe on any input.
 */
export function unsafeInputFields(value: unknown, path = '', maxDepth = MAX_JSON_DEPTH): FieldError[] {
  // Nearly all input is clean: find that out without building a path for every field (each event of a
  // batch comes through here), and walk again naming the fields only when something is wrong.
  if (!isUnsafe(value, 1, maxDepth)) return [];
  const errors: FieldError[] = [];
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path, depth: 1 }];
  while (stack.length && errors.length < MAX_ERRORS) {
    const at = stack.pop()!;
    if (typeof at.value === 'string') {
      const problem = textProblem(at.value);
      if (problem) errors.push({ field: at.path || 'body', message: `must not contain ${problem}` });
      continue;
    }
    if (typeof at.value !== 'object' || at.value === null) continue;
    if (at.depth > maxDepth) {
      errors.push({ field: at.path || 'body', message: `nests objects and arrays deeper than ${maxDepth} levels` });
      continue;
    }
    const entries: [string | number, unknown][] = Array.isArray(at.value) ? at.value.map((v, i) => [i, v]) : Object.entries(at.value);
    const badName = Array.isArray(at.value) ? undefined : entries.map(([k]) => textProblem(k as string)).find((p) => p);
    if (badName) errors.push({ field: at.path || 'body', message: `must not have a field name with ${badName}` });
    // Reversed onto the stack so that problems are reported in document order.
    for (let i = entries.length - 1; i >= 0; i--) {
      const [k, v] = entries[i];
      if (typeof k === 'string' && textProblem(k)) continue;
      stack.push({ value: v, path: child(at.path, k), depth: at.depth + 1 });
    }
  }
  return errors;
}

/** Whether anything at or below `value` (at nesting level `depth`) holds a NUL or a lone surrogate, or nests too deep. Recursion is bounded by maxDepth. */
function isUnsafe(value: unknown, depth: number, maxDepth: number): boolean {
  if (typeof value === 'string') return value.indexOf('\u0000') !== -1 || !value.isWellFormed();
  if (typeof value !== 'object' || value === null) return false;
  if (depth > maxDepth) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (isUnsafe(value[i], depth + 1, maxDepth)) return true;
    return false;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (key.indexOf('\u0000') !== -1 || !key.isWellFormed() || isUnsafe((value as Record<string, unknown>)[key], depth + 1, maxDepth)) return true;
  }
  return false;
}
