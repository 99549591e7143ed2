import { createHash } from 'node:crypto';
import { normalizeEmail } from '../leads/email.util.js';

/**
 * The key of the suppression list: SHA-256 (hex) of the normalised address. The list keeps no address,
 * so an erased lead stays suppressed without the service remembering who it was.
 */
export function emailHash(email: string): string {
  return createHash('sha256').update(normalizeEmail(email), 'utf8').digest('hex');
}

/** The same hash computed in PostgreSQL over an SQL expression holding an address (normalised here too). */
export function emailHashSql(expression: string): string {
  return `encode(sha256(convert_to(lower(btrim(${expression})), 'UTF8')), 'hex')`;
}
