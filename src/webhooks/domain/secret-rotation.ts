import { DomainError } from '../../common/domain-error.js';

/** How long the replaced secret keeps signing after a rotation, unless the request says otherwise: a day. */
export const DEFAULT_SECRET_GRACE_SECONDS = 24 * 60 * 60;
/** The longest grace a rotation may give the replaced secret: a week. */
export const MAX_SECRET_GRACE_SECONDS = 7 * 24 * 60 * 60;

/** A grace a rotation may give: whole seconds from 0 to {@link MAX_SECRET_GRACE_SECONDS}. */
export function isSecretGraceSeconds(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= MAX_SECRET_GRACE_SECONDS;
}

/**
 * When the secret replaced by a rotation at `now` stops signing: `graceSeconds` later, or null when the
 * grace is 0 (the old secret is revoked at once and not kept).
 */
export function previousSecretExpiry(now: Date, graceSeconds: number): Date | null {
  if (!isSecretGraceSeconds(graceSeconds)) {
    throw DomainError.invalidField('graceSeconds', `must be a whole number of seconds from 0 to ${MAX_SECRET_GRACE_SECONDS}`);
  }
  return graceSeconds === 0 ? null : new Date(now.getTime() + graceSeconds * 1000);
}

/** The end of the previous secret's grace as seen at `now`: null when there is none or it has passed. */
export function livePreviousSecretExpiry(expiresAt: Date | null, now: Date): Date | null {
  return expiresAt !== null && expiresAt.getTime() > now.getTime() ? expiresAt : null;
}

/**
 * The secrets a delivery sent at `now` is signed with, in header order: the current one first, then the
 * previous one while its grace lasts (a receiver still on the old secret keeps verifying).
 */
export function signingSecrets(current: string, previous: { secret: string; expiresAt: Date } | null, now: Date): string[] {
  return previous !== null && livePreviousSecretExpiry(previous.expiresAt, now) !== null ? [current, previous.secret] : [current];
}
