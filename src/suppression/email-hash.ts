import { createHash } from 'node:crypto';
import { normalizeEmail } from '../leads/email.util.js';

/**
 * The key of the suppression list: SHA-256 (hex) of the normalised address. The list keeps no address,
 * so an erased lead stays suppressed without the service remembering who it was.
 * PostgreSQL computes the same value as `encode(sha256(convert_to(email_normalized, 'UTF8')), 'hex')`.
 */
export function emailHash(email: string): string {
  return createHash('sha256').update(normalizeEmail(email), 'utf8').digest('hex');
}

/** The SQL expression of {@link emailHash} over a column that already holds a normalised address. */
export const SQL_EMAIL_HASH = (column: string) => `encode(sha256(convert_to(${column}, 'UTF8')), 'hex')`;
