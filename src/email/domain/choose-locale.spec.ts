import { chooseLocale } from './choose-locale.js';

describe('chooseLocale', () => {
  const variants = ['nl', 'en', 'fr-BE'];

  it('sends a lead the variant in their own locale', () => {
    expect(chooseLocale(variants, 'en', 'nl')).toBe('en');
    expect(chooseLocale(variants, 'FR-be', 'nl')).toBe('fr-BE');
  });

  it('falls back to the same language in another region', () => {
    expect(chooseLocale(variants, 'nl-BE', 'en')).toBe('nl');
    expect(chooseLocale(variants, 'fr', 'nl')).toBe('fr-BE');
  });

  it("falls back to the template's default locale for other languages and for leads without one", () => {
    expect(chooseLocale(variants, 'de', 'en')).toBe('en');
    expect(chooseLocale(variants, null, 'en')).toBe('en');
    expect(chooseLocale(variants, '', 'nl')).toBe('nl');
  });
});
