import { compileVariants } from './compile-variants.js';
import { compileTemplate } from './template-compiler.js';
import { TemplateError } from './template-error.js';
import { footerLocale, layoutFor, loadTemplateLibrary, localizeLayout, markFooterLanguage, type TemplateLibrary } from './template-loader.js';
import { renderEmail } from './renderer.js';
import { unknownVariables } from './template-variables.js';

let library: TemplateLibrary;
beforeAll(async () => {
  library = await loadTemplateLibrary();
});

const LOCALES = ['nl', 'en', 'fr'];
const STARTERS = ['welcome-guide', 'quote-followup', 'quote-reminder', 'recycle-monthly'];
const lead = (locale: string) => ({
  firstName: 'An',
  company: 'Bakkerij Peeters',
  locale,
  stage: 'recycled',
  attributes: { industry: 'food' },
  sender: {
    name: 'Studio Noord',
    address: 'Kerkstraat 1, 2000 Antwerpen',
    website: 'https://studio-noord.example.be',
    bookingUrl: 'https://studio-noord.example.be/afspraak',
  },
  unsubscribeUrl: 'https://track.example.be/u/TOKEN',
});

describe('the template library', () => {
  it('has a layout per language and the button, proof and question partials', () => {
    expect(Object.keys(library.layouts).sort()).toEqual(['en', 'fr', 'nl']);
    expect(Object.keys(library.partials)).toEqual(expect.arrayContaining(['button', 'proof', 'question']));
    expect(library.layouts.fr).toContain('Se désinscrire');
    expect(library.layouts.nl).not.toContain('[[');
  });

  describe.each(STARTERS)('starter %s', (name) => {
    it('exists in Dutch, English and French and uses only known variables', () => {
      const starter = library.starters[name];
      expect(Object.keys(starter.variants).sort()).toEqual(['en', 'fr', 'nl']);
      for (const variant of Object.values(starter.variants)) {
        expect(unknownVariables(variant.mjml)).toEqual([]);
        expect(unknownVariables(variant.subject)).toEqual([]);
      }
    });

    it.each(LOCALES)('compiles and renders in %s with one next step and nothing left unrendered', async (locale) => {
      const compiled = await compileTemplate(library.starters[name].variants[locale], {
        layout: library.layouts[locale],
        partials: library.partials,
        fieldPrefix: `variants.${locale}`,
      });
      const email = renderEmail(compiled, lead(locale), {
        rewriteLink: (_url, index) => `https://track.example.be/t/c/${index}`,
        openPixelUrl: 'https://track.example.be/t/o/x',
      });
      expect(email.subject.length).toBeGreaterThan(5);
      expect(email.html).not.toMatch(/\{\{|\}\}|\[\[/);
      expect(email.text).not.toMatch(/\{\{|\}\}/);
      expect(email.text).toContain('Studio Noord');
      expect(email.links).toHaveLength(1); // one simple next step
      expect(email.html).toContain('href="https://track.example.be/u/TOKEN"');
    });
  });

  it('welcome-guide shows a proof from the lead\u2019s own industry', async () => {
    const variant = library.starters['welcome-guide'].variants.nl;
    const compiled = await compileTemplate(variant, { layout: library.layouts.nl, partials: library.partials });
    const noTracking = { rewriteLink: (url: string) => url, openPixelUrl: '' };
    expect(renderEmail(compiled, lead('nl'), noTracking).text).toContain('bakkerij');
    const installer = renderEmail(compiled, { ...lead('nl'), attributes: { industry: 'construction' } }, noTracking).text;
    expect(installer).toContain('installatiebedrijf');
    expect(installer).not.toContain('bakkerij');
  });

  it.each(STARTERS)('%s leaves its button out, not empty, when the sender has neither a booking link nor a website', async (name) => {
    const compiled = await compileTemplate(library.starters[name].variants.en, { layout: library.layouts.en, partials: library.partials });
    const tracking = { rewriteLink: (_url: string, index: number) => `https://track.example.be/t/c/${index}`, openPixelUrl: 'https://track.example.be/t/o/x' };
    const withLinks = renderEmail(compiled, lead('en'), tracking);
    expect(withLinks.links).toHaveLength(1);
    expect(withLinks.html).toContain('href="https://track.example.be/t/c/0"');
    const bare = renderEmail(compiled, { ...lead('en'), sender: { name: 'Studio Noord', address: 'Kerkstraat 1, 2000 Antwerpen', website: null, bookingUrl: null } }, tracking);
    expect(bare.links).toEqual([]);
    expect(bare.html).not.toMatch(/href=""|\/t\/c\//);
    expect(bare.html).toContain('href="https://track.example.be/u/TOKEN"'); // the footer stays whole
  });

  it('localizes the layout, and refuses a layout text that has no translation', () => {
    expect(localizeLayout('<p>[[footer.optOut]] [[ lang ]]</p>', { 'footer.optOut': 'Liever niet?', lang: 'nl' })).toBe(
      '<p>Liever niet? nl</p>',
    );
    expect(() => localizeLayout('[[footer.missing]]', {})).toThrow(TemplateError);
  });

  it('gives a variant the footer of its locale, else of its language, else English; lang is always the variant\u2019s own', () => {
    const available = ['nl', 'en', 'fr'];
    expect(['nl', 'nl-BE', 'fr-CA', 'en-GB', 'de', 'de-AT', 'es'].map((l) => footerLocale(available, l))).toEqual(['nl', 'nl', 'fr', 'en', 'en', 'en', 'en']);
    expect(footerLocale(['nl', 'nl-BE', 'en'], 'nl-BE')).toBe('nl-BE');
    expect(footerLocale(['nl', 'fr'], 'de')).toBe('nl'); // no English strings: the first there are
    expect(footerLocale([], 'de')).toBeUndefined();

    const german = layoutFor(library, 'de-AT')!;
    expect(german).toContain('<mjml lang="de-AT">');
    expect(german).toContain('Unsubscribe');
    expect(german).not.toContain('Uitschrijven');
    const belgian = layoutFor(library, 'fr-BE')!;
    expect(belgian).toContain('<mjml lang="fr-BE">');
    expect(belgian).toContain('Se désinscrire');
    expect(layoutFor(library, 'nl')).toBe(library.layouts.nl);
  });

  it('marks a footer in another language than the variant with its own (lang="en" in a German email), in the HTML compiled once', async () => {
    const body = '<mj-section>\n  <mj-column>\n    <mj-text>Hallo {{firstName}}</mj-text>\n  </mj-column>\n</mj-section>\n';
    const variants = ['de', 'de-AT', 'nl', 'nl-BE', 'en', 'fr'].map((locale) => ({ locale, subject: 'Hallo', mjml: body, layout: layoutFor(library, locale) }));
    const outcomes = await compileVariants({ variants, partials: library.partials, save: true });
    const html = Object.fromEntries(outcomes.map((o) => [o.locale, 'compiled' in o ? o.compiled.html : o.problems]));
    /** The element the footer's whole text is in, from its opening tag (`<div lang="en">` or MJML's own `<div style="…">`). */
    const footerElement = (h: string, first: string, last: string) => new RegExp(`(<[a-z]+\\b[^>]*>)\\s*${first}[\\s\\S]*?${last}</a>\\s*</div>`).exec(h)?.[1];

    for (const locale of ['de', 'de-AT']) {
      expect(html[locale]).toContain(`<html lang="${locale}"`);
      expect(footerElement(html[locale] as string, 'You are receiving this email', 'Unsubscribe')).toBe('<div lang="en">');
      expect((html[locale] as string).match(/\slang="[^"]*"/g)).toEqual([` lang="${locale}"`, ` lang="${locale}"`, ' lang="en"']);
    }
    for (const [locale, first, last] of [['nl', 'Je ontvangt deze e-mail', 'Uitschrijven'], ['nl-BE', 'Je ontvangt deze e-mail', 'Uitschrijven'], ['en', 'You are receiving', 'Unsubscribe'], ['fr', 'Vous recevez', 'Se désinscrire']]) {
      expect(footerElement(html[locale] as string, first, last)).toMatch(/^<div\s+style="/);
      // MJML's own: <html lang> and the body's wrapper; no other.
      expect((html[locale] as string).match(/\slang="[^"]*"/g)).toEqual([` lang="${locale}"`, ` lang="${locale}"`]);
    }
  });

  it('marks only the footer, on its own lines, and leaves a layout without one as it is', () => {
    const layout = '<mj-text color="#000">Hallo</mj-text>\n<mj-text css-class="small footer" align="center">\n  Bye\n</mj-text>\n<mj-text>Next</mj-text>';
    expect(markFooterLanguage(layout, 'en')).toBe(
      '<mj-text color="#000">Hallo</mj-text>\n<mj-text css-class="small footer" align="center"><div lang="en">\n  Bye\n</div></mj-text>\n<mj-text>Next</mj-text>',
    );
    expect(markFooterLanguage('<mj-text css-class="footnote">x</mj-text>', 'en')).toBe('<mj-text css-class="footnote">x</mj-text>');
    const german = layoutFor(library, 'de')!;
    expect(german.split('\n')).toHaveLength(library.layoutSource.split('\n').length);
  });
});
