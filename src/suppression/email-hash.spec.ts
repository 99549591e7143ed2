import { createHash } from 'node:crypto';
import { emailHash, useSuppressionSalt } from './email-hash.js';

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

describe('emailHash', () => {
  it('refuses to hash before the per-install salt is loaded (an unsalted key would never match)', () => {
    expect(() => emailHash('an@example.be')).toThrow(/salt not loaded/);
  });

  it('is SHA-256 of the salt followed by the SHA-256 (hex) of the normalised address', () => {
    useSuppressionSalt('s3cr3t');
    expect(emailHash('an@example.be')).toBe(sha256('s3cr3t' + 'cf2075e665a6e609c46907a2a8dfcf00792e08b733eac5108559b4ee7912191a'));
    expect(emailHash('an@example.be')).not.toBe(sha256('an@example.be'));
  });

  it('depends on the salt, so two installs (or a leaked list and a dictionary) do not share keys', () => {
    useSuppressionSalt('install-a');
    const a = emailHash('an@example.be');
    useSuppressionSalt('install-b');
    expect(emailHash('an@example.be')).not.toBe(a);
  });

  it('ignores case and surrounding spaces, like lead identity does', () => {
    useSuppressionSalt('s3cr3t');
    expect(emailHash(' AN@Example.be ')).toBe(emailHash('an@example.be'));
    expect(emailHash('an@example.be')).not.toBe(emailHash('an2@example.be'));
  });
});
