import { DomainError } from '../common/domain-error.js';
import { loadTemplateLibrary } from '../email/domain/template-loader.js';
import { FOOTER_LOCALES } from './dto/template-body.dto.js';
import { parseVariants } from './template-variants.js';

const NULL_REFUSED = 'must not be null; leave the field out instead';
const mjml = '<mj-section><mj-column><mj-text>Hoi</mj-text></mj-column></mj-section>';

function errorsOf(raw: Record<string, unknown>) {
  try {
    parseVariants(raw);
  } catch (err) {
    if (err instanceof DomainError) return err.errors;
    throw err;
  }
  throw new Error('the variants were accepted');
}

describe('parsing template variants', () => {
  it('takes locale → {subject, mjml}', () => {
    expect(parseVariants({ nl: { subject: 'Hallo', mjml }, 'nl-BE': { subject: 'Hallo', mjml } })).toEqual({
      nl: { subject: 'Hallo', mjml },
      'nl-BE': { subject: 'Hallo', mjml },
    });
  });

  it('refuses a null variant, subject or body naming it, as request DTOs refuse a null', () => {
    expect(errorsOf({ nl: null, en: { subject: null, mjml }, fr: { subject: 'Bonjour', mjml: null } })).toEqual([
      { field: 'variants.nl', message: NULL_REFUSED },
      { field: 'variants.en.subject', message: NULL_REFUSED },
      { field: 'variants.fr.mjml', message: NULL_REFUSED },
    ]);
  });

  it('names a variant, subject or body of the wrong kind', () => {
    expect(errorsOf({ nl: 'Hallo', en: { subject: '', mjml }, fr: { subject: 'Bonjour', mjml: 3 }, xx_YY: { subject: 'x', mjml } })).toEqual([
      { field: 'variants.nl', message: 'must be an object {subject, mjml}' },
      { field: 'variants.en.subject', message: 'must be a text of 1 to 300 characters' },
      { field: 'variants.fr.mjml', message: 'must be MJML of 1 to 50000 characters' },
      { field: 'variants.xx_YY', message: 'must be a locale like "nl" or "nl-BE"' },
    ]);
  });
});

describe('the variants documentation', () => {
  it("names every locale the layout's footer is written in", async () => {
    expect([...FOOTER_LOCALES].sort()).toEqual(Object.keys((await loadTemplateLibrary()).footerStrings).sort());
  });
});
