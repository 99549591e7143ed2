import { createHash } from 'node:crypto';
import { normalizeEmail } from '../leads/email.util.js';

/**
 * The key of the suppression list: SHA-256 (hex) of the normalised address, so an erased lead stays
 * suppressed without the address being kept. {@link EMAIL_HASH_SQL} computes the same in PostgreSQL.
 */
export function emailHash(email: string): string {
  return createHash('sha256').update(normalizeEmail(email), 'utf8').digest('hex');
}

/** SQL for {@link emailHash} of the expression `column` (an email address). */
export function emailHashSql(column: string): string {
  return `encode(sha256(convert_to(lower(btrim(${column})), 'UTF8')), 'hex')`;
}
