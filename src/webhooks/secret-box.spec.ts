import { SecretBox } from './secret-box.js';

describe('SecretBox (webhook secrets at rest)', () => {
  const box = new SecretBox('tracking-secret-0123456789abcdef0123456789');
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

  it('gives back the secret it sealed, and never stores it in clear', () => {
    const sealed = box.seal(secret, 'sub-1');
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain('MfKQ9r8');
    expect(box.open(sealed, 'sub-1')).toBe(secret);
  });

  it('seals the same secret differently each time', () => {
    expect(box.seal(secret, 'sub-1')).not.toBe(box.seal(secret, 'sub-1'));
  });

  it('refuses a sealed secret moved to another subscription', () => {
    expect(() => box.open(box.seal(secret, 'sub-1'), 'sub-2')).toThrow();
  });

  it('refuses a tampered text and a box with another key', () => {
    const sealed = box.seal(secret, 'sub-1');
    const raw = Buffer.from(sealed.slice(3), 'base64url');
    raw[raw.length - 1] ^= 0x01; // one bit of the ciphertext
    expect(() => box.open(`v1.${raw.toString('base64url')}`, 'sub-1')).toThrow();
    expect(() => new SecretBox('another-tracking-secret-0123456789abcdef').open(sealed, 'sub-1')).toThrow();
    expect(() => box.open('plain-text', 'sub-1')).toThrow('not a sealed webhook secret');
  });
});
