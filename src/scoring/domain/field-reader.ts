import { NULL_REFUSED } from '../../common/null-refused.js';

/** A problem with one input field, named by its path (`behaviourRules[2].cap.window`). */
export interface FieldError {
  field: string;
  message: string;
}

/**
 * Small helpers for validating untrusted JSON: each reads one value, records what is wrong with
 * it under its path, and returns the value when it is right (`undefined` when not). A missing
 * (`undefined`) value is reported as required; callers skip optional fields before reading them. A `null` is
 * refused as DTOs refuse it (NULL_REFUSED), whether the field is required or may be left out: callers read a
 * field whose null means something (a nullable field) before they get here.
 */
export class FieldReader {
  readonly errors: FieldError[] = [];

  fail(field: string, message: string): undefined {
    this.errors.push({ field, message });
    return undefined;
  }

  /** An object; keys outside `allowed` are reported as unknown. */
  object(value: unknown, field: string, allowed: readonly string[]): Record<string, unknown> | undefined {
    if (value === undefined) return this.required(field);
    if (value === null && field !== '') return this.refusedNull(field); // ('' is the whole body, not a field)
    if (!isRecord(value)) return this.fail(field, 'must be an object');
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) this.fail(join(field, key), 'is not a known field');
    }
    return value;
  }

  required(field: string): undefined {
    return this.fail(field, 'is required');
  }

  refusedNull(field: string): undefined {
    return this.fail(field, NULL_REFUSED);
  }

  array(value: unknown, field: string, max: number, what: string): unknown[] | undefined {
    if (value === undefined) return this.required(field);
    if (value === null) return this.refusedNull(field);
    if (!Array.isArray(value)) return this.fail(field, 'must be a list');
    if (value.length > max) return this.fail(field, `has ${value.length} ${what}; at most ${max} are allowed`);
    return value;
  }

  number(value: unknown, field: string, min: number, max: number, integer = false): number | undefined {
    if (value === undefined) return this.required(field);
    if (value === null) return this.refusedNull(field);
    if (typeof value !== 'number' || !Number.isFinite(value)) return this.fail(field, 'must be a number');
    if (integer && !Number.isInteger(value)) return this.fail(field, 'must be a whole number');
    if (value < min || value > max) return this.fail(field, `must be between ${min} and ${max}`);
    return value;
  }

  /** A non-blank string of at most `max` characters, optionally of a fixed shape. */
  string(value: unknown, field: string, max: number, shape?: { pattern: RegExp; message: string }): string | undefined {
    if (value === undefined) return this.required(field);
    if (value === null) return this.refusedNull(field);
    if (typeof value !== 'string') return this.fail(field, 'must be a string');
    if (value.trim() === '') return this.fail(field, 'must not be empty');
    if (value.length > max) return this.fail(field, `must be at most ${max} characters`);
    if (shape && !shape.pattern.test(value)) return this.fail(field, shape.message);
    return value;
  }

  oneOf<T extends string>(value: unknown, field: string, options: readonly T[]): T | undefined {
    if (value === undefined) return this.required(field);
    if (value === null) return this.refusedNull(field);
    if (typeof value !== 'string' || !(options as readonly string[]).includes(value)) {
      return this.fail(field, `must be one of ${options.join(', ')}`);
    }
    return value as T;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `join('mql', 'minFitScore')` → `mql.minFitScore`; `join('', 'mql')` → `mql`. */
export function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}
