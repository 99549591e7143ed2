import fc from 'fast-check';
import { DomainError } from '../../common/domain-error.js';
import {
  DEFAULT_SECRET_GRACE_SECONDS,
  isSecretGraceSeconds,
  livePreviousSecretExpiry,
  MAX_SECRET_GRACE_SECONDS,
  previousSecretExpiry,
  signingSecrets,
} from './secret-rotation.js';

const NOW = new Date('2026-03-02T10:00:00Z');
const later = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);

describe('previousSecretExpiry', () => {
  it('keeps the replaced secret for the grace asked for, a day by default', () => {
    expect(DEFAULT_SECRET_GRACE_SECONDS).toBe(86_400);
    expect(previousSecretExpiry(NOW, DEFAULT_SECRET_GRACE_SECONDS)).toEqual(new Date('2026-03-03T10:00:00Z'));
    expect(previousSecretExpiry(NOW, 90)).toEqual(later(90));
  });

  it('keeps nothing with a grace of 0: the old secret is revoked at once', () => {
    expect(previousSecretExpiry(NOW, 0)).toBeNull();
  });

  it.each([
    ['negative', -1],
    ['fractional', 1.5],
    ['longer than a week', MAX_SECRET_GRACE_SECONDS + 1],
    ['not a number', Number.NaN],
  ])('refuses a grace that is %s, naming graceSeconds', (_label, grace) => {
    let thrown: unknown;
    try {
      previousSecretExpiry(NOW, grace);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(DomainError);
    expect((thrown as DomainError).errors).toEqual([{ field: 'graceSeconds', message: expect.any(String) }]);
  });

  it('accepts a week, the longest grace', () => {
    expect(previousSecretExpiry(NOW, MAX_SECRET_GRACE_SECONDS)).toEqual(new Date('2026-03-09T10:00:00Z'));
  });
});

describe('isSecretGraceSeconds', () => {
  it('takes whole seconds from 0 to a week, and nothing else', () => {
    expect([0, 1, 86_400, MAX_SECRET_GRACE_SECONDS].every(isSecretGraceSeconds)).toBe(true);
    expect([-1, 0.5, MAX_SECRET_GRACE_SECONDS + 1, Number.POSITIVE_INFINITY, Number.NaN, '60', null, undefined, true, [60]].some(isSecretGraceSeconds)).toBe(false);
  });
});

describe('signingSecrets', () => {
  const previous = { secret: 'whsec_old', expiresAt: later(60) };

  it('signs with the new secret first and the old one while its grace lasts', () => {
    expect(signingSecrets('whsec_new', previous, NOW)).toEqual(['whsec_new', 'whsec_old']);
    expect(signingSecrets('whsec_new', previous, later(59))).toEqual(['whsec_new', 'whsec_old']);
  });

  it('signs with the new secret only once the grace has ended, or when nothing was kept', () => {
    expect(signingSecrets('whsec_new', previous, later(60))).toEqual(['whsec_new']);
    expect(signingSecrets('whsec_new', previous, later(3600))).toEqual(['whsec_new']);
    expect(signingSecrets('whsec_new', null, NOW)).toEqual(['whsec_new']);
  });

  it('never signs with more than the two secrets, and always with the current one first (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -86_400, max: 86_400 }), fc.integer({ min: -86_400, max: 86_400 }), (expiresIn, sentIn) => {
        const secrets = signingSecrets('whsec_new', { secret: 'whsec_old', expiresAt: later(expiresIn) }, later(sentIn));
        expect(secrets[0]).toBe('whsec_new');
        expect(secrets).toHaveLength(sentIn < expiresIn ? 2 : 1);
      }),
    );
  });
});

describe('livePreviousSecretExpiry', () => {
  it('shows the end of a grace that has not passed, and null once it has or when there is none', () => {
    expect(livePreviousSecretExpiry(later(1), NOW)).toEqual(later(1));
    expect(livePreviousSecretExpiry(NOW, NOW)).toBeNull();
    expect(livePreviousSecretExpiry(later(-1), NOW)).toBeNull();
    expect(livePreviousSecretExpiry(null, NOW)).toBeNull();
  });
});
