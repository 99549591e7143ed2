import { DomainError, type FieldError } from '../common/domain-error.js';
import { NULL_REFUSED } from '../common/null-refused.js';
import type { TemplateVariant } from '../email/domain/template-compiler.js';
import { MAX_MJML_CHARS } from '../email/domain/template-limits.js';

export const LOCALE_PATTERN = /^[a-z]{2}(-[A-Z]{2})?$/;
/** The most a template (all its variants) may weigh, as JSON. */
export const MAX_TEMPLATE_BYTES = 2_000_000;
const MAX_SUBJECT = 300;
const MAX_MJML = MAX_MJML_CHARS;

/** Checks the shape of `variants` (locale → {subject, mjml}); 422 naming each bad field (a null too, as DTOs refuse it). */
export function parseVariants(raw: Record<string, unknown>): Record<string, TemplateVariant> {
  const errors: FieldError[] = [];
  const variants: Record<string, TemplateVariant> = {};
  const entries = Object.entries(raw);
  if (entries.length === 0) errors.push({ field: 'variants', message: 'must hold at least one locale' });
  for (const [locale, value] of entries) {
    const field = `variants.${locale}`;
    if (!LOCALE_PATTERN.test(locale)) {
      errors.push({ field, message: 'must be a locale like "nl" or "nl-BE"' });
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      errors.push({ field, message: value === null ? NULL_REFUSED : 'must be an object {subject, mjml}' });
      continue;
    }
    const v = value as Record<string, unknown>;
    for (const key of Object.keys(v)) {
      if (key !== 'subject' && key !== 'mjml') errors.push({ field: `${field}.${key}`, message: 'is not a known field' });
    }
    if (v.subject === null) errors.push({ field: `${field}.subject`, message: NULL_REFUSED });
    else if (typeof v.subject !== 'string' || v.subject.trim() === '' || v.subject.length > MAX_SUBJECT) {
      errors.push({ field: `${field}.subject`, message: `must be a text of 1 to ${MAX_SUBJECT} characters` });
    }
    if (v.mjml === null) errors.push({ field: `${field}.mjml`, message: NULL_REFUSED });
    else if (typeof v.mjml !== 'string' || v.mjml.trim() === '' || v.mjml.length > MAX_MJML) {
      errors.push({ field: `${field}.mjml`, message: `must be MJML of 1 to ${MAX_MJML} characters` });
    }
    if (typeof v.subject === 'string' && typeof v.mjml === 'string') variants[locale] = { subject: v.subject, mjml: v.mjml };
  }
  if (errors.length) throw DomainError.validation(errors, errors.map((e) => `${e.field}: ${e.message}`).join('; '));
  return variants;
}

/** The default locale of a version: the one asked for (must have a variant), the current one, the service default, or the first. */
export function pickDefaultLocale(locales: string[], asked: string | undefined, fallbacks: (string | undefined)[]): string {
  if (asked !== undefined) {
    if (!locales.includes(asked)) throw DomainError.invalidField('defaultLocale', `has no variant; the template has ${locales.join(', ')}`);
    return asked;
  }
  return fallbacks.find((l): l is string => l !== undefined && locales.includes(l)) ?? locales[0];
}
