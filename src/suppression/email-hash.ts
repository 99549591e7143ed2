import { hash } from 'node:crypto';
import { normalizeEmail } from '../leads/email.util.js';

/**
 * The key of the suppression list: a salted hash of the normalised address, SHA-256(salt ‖ SHA-256(address))
 * in hex. The list keeps no address, so an erased lead stays suppressed without the service remembering who
 * it was; the salt is a per-install secret (table suppression_hash_salt, generated once by migration
 * 1764001310000), so a leaked list cannot be matched against guessed or leaked addresses with a plain
 * SHA-256 dictionary. Hashing the unsalted digest (not the address) let that migration re-key the rows of
 * erased leads, whose address is gone.
 */
let salt: string | undefined;

/** The salt as an SQL expression (an init-plan: read once per statement). */
const SALT_SQL = `(SELECT salt FROM suppression_hash_salt)`;

// The one-shot hash: a third of the cost of createHash().update().digest() (the scheduler hashes every claimed lead's address).
const sha256Hex = (text: string) => hash('sha256', text, 'hex');

/**
 * Sets the salt read from the database at start-up (see SuppressionSaltLoader). It never changes after
 * the migration, so every process computes the same keys as PostgreSQL does.
 */
export function useSuppressionSalt(value: string): void {
  salt = value;
}

export function emailHash(email: string): string {
  if (salt === undefined) throw new Error('suppression hash salt not loaded yet (SuppressionSaltLoader runs at start-up)');
  return sha256Hex(salt + sha256Hex(normalizeEmail(email)));
}

/**
 * The same hash computed in PostgreSQL over an SQL expression holding an address (normalised here too). Each lead's
 * is also stored on it, leads.email_hash, by the trigger of migration 1764006500000 (the same expression).
 */
export function emailHashSql(expression: string): string {
  return `encode(sha256(convert_to(${SALT_SQL} || encode(sha256(convert_to(lower(btrim(${expression})), 'UTF8')), 'hex'), 'UTF8')), 'hex')`;
}
