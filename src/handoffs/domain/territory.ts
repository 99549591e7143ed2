import { isISO31661Alpha2 } from 'class-validator';
import type { FieldError } from '../../common/domain-error.js';

/** How many countries one rep's territory may list (there are 249 ISO 3166-1 codes). */
export const MAX_REGIONS = 250;

/**
 * A lead's country as territories match it: `attributes.country` (the field fit rules read as `country`) when it is an
 * ISO 3166-1 alpha-2 code in any case, surrounded by spaces or not (`be`, ` BE `), upper-cased (`BE`). Anything else —
 * missing, not a string, a country name such as `Belgium`, a code that is not assigned — is no country: such a lead
 * matches no territory.
 */
export function territoryCountry(raw: unknown): string | null {
  return typeof raw === 'string' ? alpha2Code(raw.trim()) : null;
}

/**
 * `code` upper-cased when it is an assigned ISO 3166-1 alpha-2 code in any case, else null. Two ASCII letters first:
 * the validator upper-cases before it looks the code up, which would take `ſe` for `SE`.
 */
function alpha2Code(code: string): string | null {
  return /^[A-Za-z]{2}$/.test(code) && isISO31661Alpha2(code) ? code.toUpperCase() : null;
}

/**
 * A rep's territory as given to the API: each entry an assigned ISO 3166-1 alpha-2 code (`BE`; lower case is taken and
 * upper-cased, nothing else is trimmed or guessed), a code given twice kept once, in the order given. An empty list is
 * no territory: the rep serves every country. Errors name the entry (`regions[1]`).
 */
export function parseRegions(raw: readonly string[], field = 'regions'): { regions: string[]; errors: FieldError[] } {
  const regions: string[] = [];
  const errors: FieldError[] = [];
  raw.forEach((entry, i) => {
    const code = typeof entry === 'string' ? alpha2Code(entry) : null;
    if (code === null) errors.push({ field: `${field}[${i}]`, message: 'must be an ISO 3166-1 alpha-2 country code, like BE' });
    else if (!regions.includes(code)) regions.push(code);
  });
  return { regions, errors };
}
