import { maskAddress, pageLocale, renderUnsubscribePage } from './unsubscribe-page.js';

describe('the unsubscribe page', () => {
  it('speaks the lead’s language, then the installation default, then English', () => {
    expect(pageLocale('fr', 'nl')).toBe('fr');
    expect(pageLocale('nl-BE', 'en')).toBe('nl');
    expect(pageLocale(null, 'fr-BE')).toBe('fr');
    expect(pageLocale('de', 'nl')).toBe('nl');
    expect(pageLocale('de', 'es')).toBe('en');
  });

  it('asks for confirmation with a form that posts back to the same address', () => {
    const html = renderUnsubscribePage('confirm', 'nl', 'an@example.be');
    expect(html).toContain('<html lang="nl">');
    expect(html).toContain('<form method="post">');
    expect(html).toContain('Uitschrijven</button>');
    expect(html).not.toContain('<script');
  });

  it('shows the address masked and escaped', () => {
    expect(maskAddress('annelies@bakkerij-peeters.be')).toBe('a•••@bakkerij-peeters.be');
    const html = renderUnsubscribePage('done', 'en', '<b>@x"<y>.be');
    expect(html).toContain('&#60;•••@x&#34;&#60;y&#62;.be');
    expect(html).not.toContain('<y>');
  });

  it('has a result page and an invalid-link page in each language', () => {
    expect(renderUnsubscribePage('done', 'fr')).toContain('Vous êtes désinscrit');
    expect(renderUnsubscribePage('done', 'fr')).toContain('cette adresse');
    expect(renderUnsubscribePage('invalid', 'en')).toContain('This link does not work');
  });
});
