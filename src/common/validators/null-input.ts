import { IsOptional, ValidateIf } from 'class-validator';

/**
 * What a JSON `null` means in a request body is said per field, with one of these two instead of class-validator's
 * `@IsOptional()` (which lets null through unchecked, so a service would silently ignore it, store it where the API
 * never returns null, or fail on it):
 *
 * - `@IsOmittable()`: the field may be left out; null is refused with 422 naming it ("must not be null"), since
 *   nothing can be cleared (a name, a flag, a list) or null would only stand for a default.
 * - `@IsNullable()`: null clears the value (the API then returns it as null); declare `nullable: true` in the
 *   field's `@ApiProperty` too.
 *
 * Update DTOs derived with `PartialType` pass `{ skipNullProperties: false }`, so the fields it makes optional are
 * omittable, not nullable.
 */
export function IsOmittable(): PropertyDecorator {
  return ValidateIf((_object, value) => value !== undefined);
}

/** The field may be left out, and null clears it: see `IsOmittable`. */
export function IsNullable(): PropertyDecorator {
  return IsOptional();
}

/** The message of a refused null; the validation pipe gives it instead of the field's type errors. */
export { NULL_REFUSED } from '../null-refused.js';
