import { compileTemplate } from './domain/template-compiler.js';
import { loadTemplateLibrary } from './domain/template-loader.js';
import { renderEmail } from './domain/renderer.js';
import { SAMPLE_LEAD, sampleDataFor, templateDataFor, type DataContext } from './template-data.js';

const context: DataContext = {
  sender: { name: 'Studio Noord', address: 'Kerkstraat 1, 2000 Antwerpen', website: 'https://studio-noord.example.be', bookingUrl: null },
  variantLocale: 'nl',
  defaultTimezone: 'Europe/Brussels',
  unsubscribeUrl: 'https://t.example.be/u/TOKEN',
};

describe('template data', () => {
  it('gives a template the lead, the sender and the unsubscribe link', () => {
    const data = templateDataFor({ ...SAMPLE_LEAD, locale: 'nl-BE', channel: 'google_ads', source: { campaign: 'q4' } }, context);
    expect(data).toMatchObject({
      firstName: 'An',
      company: 'Bakkerij Peeters',
      attributes: { industry: 'food' },
      source: { campaign: 'q4', channel: 'google_ads' },
      sender: { name: 'Studio Noord', address: 'Kerkstraat 1, 2000 Antwerpen', website: 'https://studio-noord.example.be', bookingUrl: null },
      unsubscribeUrl: 'https://t.example.be/u/TOKEN',
    });
  });

  it("formats in the lead's own locale when the email is in their language, else in the email's", () => {
    expect(templateDataFor({ ...SAMPLE_LEAD, locale: 'nl-BE' }, context).locale).toBe('nl-BE');
    expect(templateDataFor({ ...SAMPLE_LEAD, locale: 'de-DE' }, context).locale).toBe('nl');
    expect(templateDataFor({ ...SAMPLE_LEAD, locale: null }, context).locale).toBe('nl');
  });

  it('uses the default time zone for a lead without one', () => {
    expect(templateDataFor({ ...SAMPLE_LEAD, timezone: null }, context).timezone).toBe('Europe/Brussels');
    expect(templateDataFor({ ...SAMPLE_LEAD, timezone: 'America/New_York' }, context).timezone).toBe('America/New_York');
  });

  it('leaves lead fields empty (for fallbacks) when there is no lead', () => {
    const data = templateDataFor(null, context);
    expect(data.firstName).toBeNull();
    expect(data.attributes).toEqual({});
  });

  it('lets preview data override the sender, but never the unsubscribe link', () => {
    const data = sampleDataFor({ firstName: 'Jo', sender: { name: 'Other' }, unsubscribeUrl: 'https://evil.example' }, context);
    expect(data).toMatchObject({ firstName: 'Jo', locale: 'nl', sender: { name: 'Other', address: 'Kerkstraat 1, 2000 Antwerpen' } });
    expect(data.unsubscribeUrl).toBe(context.unsubscribeUrl);
  });

  describe('blank lead fields are missing, others trimmed', () => {
    const blank = { ...SAMPLE_LEAD, firstName: '   ', lastName: '\t', company: '  ', jobTitle: ' Zaakvoerder ', phone: ' ', attributes: { industry: '  ', city: ' Gent ' } };

    it('for a lead', () => {
      const data = templateDataFor({ ...blank, timezone: '  ', locale: ' ' }, context);
      expect(data).toMatchObject({ firstName: null, lastName: null, company: null, phone: null, jobTitle: 'Zaakvoerder', timezone: 'Europe/Brussels', locale: 'nl' });
      expect(data.attributes).toEqual({ city: 'Gent' });
    });

    it("for a preview's sample data", () => {
      const data = sampleDataFor({ firstName: '  ', company: ' Bakkerij ', attributes: { industry: ' ' }, timezone: ' ' }, context);
      expect(data).toMatchObject({ company: 'Bakkerij', timezone: 'Europe/Brussels', attributes: {} });
      expect(data).not.toHaveProperty('firstName');
    });

    it.each(['fr', 'en', 'nl'])('so the starters never greet a blank name or quote for a blank company (%s)', async (locale) => {
      const library = await loadTemplateLibrary();
      const variant = library.starters['quote-followup'].variants[locale];
      const compiled = await compileTemplate(variant, { layout: library.layouts[locale], partials: library.partials });
      const noTracking = { rewriteLink: (url: string) => url, openPixelUrl: '' };
      const { text, subject } = renderEmail(compiled, templateDataFor(blank, { ...context, variantLocale: locale }), noTracking);
      expect(`${subject}\n${text}`).not.toMatch(/ {2}|\s,|(for|pour|voor)\s*:/);
      const named = renderEmail(compiled, templateDataFor({ ...blank, firstName: ' Émile ', company: ' Atelier ' }, { ...context, variantLocale: locale }), noTracking);
      expect(named.text).toMatch(/Émile,/);
      expect(`${named.subject}\n${named.text}`).toContain('Atelier');
    });
  });
});
