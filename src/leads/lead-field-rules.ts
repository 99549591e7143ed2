import { isTimeZone } from '../common/validators/is-time-zone.js';

/**
 * What the lead API accepts for the profile fields a program's `update_lead` step may also set: one
 * set of rules, used by the upsert DTO's decorators and by the program parser, so a program can never
 * write a value the API would refuse.
 */

/** A locale such as `nl` or `nl-BE`. */
export const LOCALE_PATTERN = /^[a-z]{2}(-[A-Z]{2})?$/;
export const LOCALE_HINT = 'must look like "nl" or "nl-BE"';

/** Longest text of each nullable text field (contact details and qualification answers). */
export const LEAD_TEXT_MAX = {
  firstName: 200,
  lastName: 200,
  company: 200,
  jobTitle: 200,
  phone: 50,
  'qualification.need': 500,
  'qualification.timeline': 500,
  'qualification.budget': 500,
  'qualification.authority': 500,
} as const;

/**
 * Why the lead API would refuse `value` for `field` (a LEAD_WRITABLE_FIELDS name or `attributes.*`), or
 * null when it accepts it. Every field may be cleared with null; attributes take any JSON scalar.
 */
export function leadFieldProblem(field: string, value: unknown): string | null {
  if (value === null || field.startsWith('attributes.')) return null;
  if (field === 'locale') return typeof value === 'string' && LOCALE_PATTERN.test(value) ? null : LOCALE_HINT;
  if (field === 'timezone') return isTimeZone(value) ? null : 'must be an IANA time zone such as Europe/Brussels';
  const max = (LEAD_TEXT_MAX as Record<string, number>)[field];
  if (max === undefined) return null;
  if (typeof value !== 'string') return 'must be a string or null';
  return value.length > max ? `must be at most ${max} characters` : null;
}
