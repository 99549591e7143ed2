import { hash, randomBytes } from 'node:crypto';

/**
 * API keys are random and long, so a fast unsalted SHA-256 is a safe way to store them. Every request
 * hashes its key: the one-shot hash skips the Hash object createHash builds (same digest).
 */
export function hashApiKey(key: string): string {
  return hash('sha256', key, 'hex');
}

export function generateApiKey(): { key: string; prefix: string } {
  const prefix = randomBytes(4).toString('hex');
  return { key: `nk_${prefix}_${randomBytes(24).toString('base64url')}`, prefix };
}

export function displayPrefix(key: string): string {
  const m = /^nk_([0-9a-f]{8})_/.exec(key);
  return m ? `nk_${m[1]}` : key.slice(0, 4);
}
