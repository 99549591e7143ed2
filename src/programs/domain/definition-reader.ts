import type { FieldError } from '../../common/domain-error.js';
import { NULL_REFUSED } from '../../common/validators/null-input.js';
import type { Scalar } from './program-definition.js';

/**
 * Small helpers for reading untrusted JSON while collecting `{field, message}` errors with paths
 * like `steps[2].next`. Every reader reports what is wrong and returns undefined instead of throwing.
 *
 * A field given as null is refused as the rest of the API refuses it (NULL_REFUSED, see null-input.ts): a
 * definition has no field that null clears (leave it out instead). Once a field is refused so, nothing else is
 * said about it, whichever reader comes to it next. Null stays a value where the definition holds data rather
 * than fields: a condition's `value`, a property filter's values, an update_lead step's `set` values.
 */
export class DefinitionReader {
  readonly errors: FieldError[] = [];
  private readonly nullFields = new Set<string>();

  fail(field: string, message: string): undefined {
    if (!this.nullFields.has(field)) this.errors.push({ field, message });
    return undefined;
  }

  /** Refuses a field given as null (once), and silences what other readers would say of it. */
  refuseNull(field: string): undefined {
    if (!this.nullFields.has(field)) this.errors.push({ field, message: NULL_REFUSED });
    this.nullFields.add(field);
    return undefined;
  }

  /**
   * The value as a plain object whose keys are all in `allowed`; unknown keys are refused one by one, and so are
   * known ones given as null, except those in `nullable` (whose null is a value).
   */
  object(value: unknown, path: string, allowed: readonly string[], nullable: readonly string[] = []): Record<string, unknown> | undefined {
    if (!isPlainObject(value)) return this.fail(path, 'must be an object');
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) this.fail(at(path, key), 'is not a known field');
      else if (value[key] === null && !nullable.includes(key)) this.refuseNull(at(path, key));
    }
    return value;
  }

  string(
    obj: Record<string, unknown>,
    key: string,
    path: string,
    rule: { required?: boolean; max?: number; pattern?: RegExp; patternHint?: string } = {},
  ): string | undefined {
    const value = obj[key];
    const field = at(path, key);
    if (value === undefined) return rule.required ? this.fail(field, 'is required') : undefined;
    if (value === null) return this.refuseNull(field);
    if (typeof value !== 'string' || value.trim() === '') return this.fail(field, 'must be a non-empty string');
    if (value.length > (rule.max ?? 200)) return this.fail(field, `must be at most ${rule.max ?? 200} characters`);
    if (rule.pattern && !rule.pattern.test(value)) return this.fail(field, rule.patternHint ?? `must match ${rule.pattern}`);
    return value;
  }

  oneOf<T extends string>(
    obj: Record<string, unknown>,
    key: string,
    path: string,
    options: readonly T[],
    required = true,
  ): T | undefined {
    const value = obj[key];
    const field = at(path, key);
    if (value === undefined) return required ? this.fail(field, 'is required') : undefined;
    if (value === null) return this.refuseNull(field);
    if (typeof value !== 'string' || !(options as readonly string[]).includes(value)) {
      return this.fail(field, `must be one of ${options.join(', ')}`);
    }
    return value as T;
  }

  integer(obj: Record<string, unknown>, key: string, path: string, min: number, max: number): number | undefined {
    const value = obj[key];
    const field = at(path, key);
    if (value === undefined) return this.fail(field, 'is required');
    if (value === null) return this.refuseNull(field);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      return this.fail(field, `must be a whole number from ${min} to ${max}`);
    }
    return value;
  }

  boolean(obj: Record<string, unknown>, key: string, path: string): boolean | undefined {
    const value = obj[key];
    if (value === undefined) return undefined;
    if (value === null) return this.refuseNull(at(path, key));
    if (typeof value !== 'boolean') return this.fail(at(path, key), 'must be true or false');
    return value;
  }

  /** A JSON array of at most `max` items (and at least `min`). */
  array(value: unknown, path: string, min: number, max: number): unknown[] | undefined {
    if (!Array.isArray(value)) return this.fail(path, 'must be an array');
    if (value.length < min) return this.fail(path, min === 1 ? 'must not be empty' : `must have at least ${min} items`);
    if (value.length > max) return this.fail(path, `must have at most ${max} items`);
    return value;
  }

  scalar(value: unknown, path: string): Scalar | undefined {
    if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    return this.fail(path, 'must be a string, number, boolean or null');
  }
}

/** `path.key`, or just `key` at the top level. */
export function at(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
