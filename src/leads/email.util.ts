/** Leads are identified by their address, trimmed and case-insensitive. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

// Deliberately simple and linear: local@domain.tld, no spaces, one @.
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}\.[^\s@.]{2,63}$/;

export function isEmailAddress(v: unknown): v is string {
  return typeof v === 'string' && v.length <= 320 && EMAIL.test(v.trim());
}
