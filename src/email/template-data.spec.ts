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
});
