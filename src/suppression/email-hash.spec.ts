import { emailHash } from './email-hash.js';

describe('emailHash', () => {
  it('is the SHA-256 (hex) of the normalised address', () => {
    expect(emailHash('an@example.be')).toBe('cf2075e665a6e609c46907a2a8dfcf00792e08b733eac5108559b4ee7912191a');
  });

  it('ignores case and surrounding spaces, like lead identity does', () => {
    expect(emailHash(' AN@Example.be ')).toBe(emailHash('an@example.be'));
    expect(emailHash('an@example.be')).not.toBe(emailHash('an2@example.be'));
  });
});
