import fc from 'fast-check';
import { globMatches } from './glob.js';

describe('glob patterns for page urls', () => {
  it.each([
    ['*/pricing*', 'https://acme.be/pricing', true],
    ['*/pricing*', 'https://acme.be/pricing?plan=pro', true],
    ['*/pricing*', 'https://acme.be/en/pricing/enterprise', true],
    ['*/pricing*', 'https://acme.be/blog/about-pricing', false],
    ['*/careers*', 'https://acme.be/careers/developer', true],
    ['*/careers*', 'https://acme.be/products', false],
  ])('%s against %s → %s', (pattern, url, expected) => {
    expect(globMatches(pattern, url)).toBe(expected);
  });

  it('ignores case', () => {
    expect(globMatches('*/PRICING*', 'https://Acme.be/Pricing')).toBe(true);
  });

  it('matches the whole value, not a part of it', () => {
    expect(globMatches('pricing', 'https://acme.be/pricing')).toBe(false);
    expect(globMatches('https://acme.be/pricing', 'https://acme.be/pricing')).toBe(true);
  });

  it('lets ? stand for exactly one character', () => {
    expect(globMatches('/v?/docs', '/v2/docs')).toBe(true);
    expect(globMatches('/v?/docs', '/v10/docs')).toBe(false);
    expect(globMatches('?', '')).toBe(false);
  });

  it('lets * match nothing at all', () => {
    expect(globMatches('*', '')).toBe(true);
    expect(globMatches('a*b', 'ab')).toBe(true);
    expect(globMatches('a**b', 'ab')).toBe(true);
  });

  it('treats regular-expression characters as plain text', () => {
    expect(globMatches('/search?q=(a+b)', '/search?q=(a+b)')).toBe(true);
    expect(globMatches('.*', 'anything')).toBe(false);
    expect(globMatches('a.c', 'abc')).toBe(false);
  });

  it('cannot be made to hang: a pathological pattern on 10,000 characters is answered', () => {
    const text = 'a'.repeat(10_000);
    expect(globMatches('*a*a*a*a*a*a*a*a*b', text)).toBe(false);
    expect(globMatches('*a*a*a*a*a*a*a*a*b', `${text}b`)).toBe(true);
    expect(globMatches('*?*?*?*?*?*?*?*?*?*?*?c', text)).toBe(false);
  });

  it('agrees with a straightforward reference matcher on small inputs', () => {
    // Reference: dynamic programming over prefixes, obviously correct and small-input only.
    const reference = (pattern: string, text: string): boolean => {
      const m = pattern.length;
      const n = text.length;
      let row = Array.from({ length: n + 1 }, (_, j) => j === 0);
      for (let i = 1; i <= m; i++) {
        const ch = pattern[i - 1];
        const next = Array.from({ length: n + 1 }, () => false);
        next[0] = ch === '*' && row[0]!;
        for (let j = 1; j <= n; j++) {
          if (ch === '*') next[j] = row[j]! || next[j - 1]!;
          else next[j] = row[j - 1]! && (ch === '?' || ch === text[j - 1]);
        }
        row = next;
      }
      return row[n]!;
    };
    const alphabet = fc.constantFrom('a', 'b', '/');
    fc.assert(
      fc.property(
        fc.array(fc.oneof(alphabet, fc.constantFrom('*', '?')), { maxLength: 8 }).map((cs) => cs.join('')),
        fc.array(alphabet, { maxLength: 12 }).map((cs) => cs.join('')),
        (pattern, text) => globMatches(pattern, text) === reference(pattern, text),
      ),
    );
  });
});
