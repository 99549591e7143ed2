import { compileVariants, type VariantOutcome } from './compile-variants.js';
import { FooterVerdicts, TEMPLATE_WITHOUT_FOOTER, footerMissingError } from './footer-check.js';
import { prepareTemplate, type PreparedTemplate } from './render-cache.js';
import type { CompiledTemplate } from './template-compiler.js';
import { TemplateError } from './template-error.js';
import { loadTemplateLibrary, type TemplateLibrary } from './template-loader.js';

let library: TemplateLibrary;
beforeAll(async () => {
  library = await loadTemplateLibrary();
});

const text = (content: string) => `<mj-section><mj-column><mj-text>${content}</mj-text></mj-column></mj-section>`;
const document = (...sections: string[]) => `<mjml>\n<mj-body>\n${sections.join('\n')}\n</mj-body>\n</mjml>`;
const LINK = '<a href="{{unsubscribeUrl}}">Abmelden</a>';
const ADDRESS = '{{sender.name}} · {{sender.address}}';

async function save(mjml: string, locale = 'de', asSave = true): Promise<VariantOutcome> {
  const [outcome] = await compileVariants({
    variants: [{ locale, subject: 'Hallo', mjml, layout: library.layouts.en }],
    partials: library.partials,
    save: asSave,
  });
  return outcome;
}

function problemsOf(outcome: VariantOutcome): { field: string; line: number | null; message: string }[] {
  return 'problems' in outcome ? outcome.problems : [];
}

describe('a save checks that the email carries the footer: an unsubscribe link and the postal address', () => {
  it('refuses a whole <mjml> document with neither, naming the variant field and what is missing; sections in the layout and every starter pass', async () => {
    const sections = text('Hallo {{fallback firstName "zusammen"}}');
    const problems = problemsOf(await save(document(sections)));
    expect(problems).toEqual([
      { field: 'variants.de.mjml', line: null, message: expect.stringMatching(/^has no unsubscribe link .*whole <mjml> document leaves out the shared layout.*\{\{unsubscribeUrl\}\}/) },
      { field: 'variants.de.mjml', line: null, message: expect.stringMatching(/^does not show the sender's postal address .*\{\{sender\.address\}\}/) },
    ]);
    // The same sections placed in the shared layout get its footer, which has both.
    expect(await save(sections)).toMatchObject({ compiled: expect.any(Object) });
    for (const starter of Object.values(library.starters)) {
      const outcomes = await compileVariants({
        variants: Object.entries(starter.variants).map(([locale, v]) => ({ locale, ...v, layout: library.layouts[locale] })),
        partials: library.partials,
        save: true,
      });
      expect(outcomes.flatMap(problemsOf)).toEqual([]);
    }
    // A stored version compiled again (not a save) is taken as it is.
    expect(await save(document(sections), 'de', false)).toMatchObject({ compiled: expect.any(Object) });
  });

  it('refuses a whole document that has only one of them, and accepts it with both, however it writes the link (an <a>, a button, a partial)', async () => {
    expect(problemsOf(await save(document(text(`Hallo<br />${LINK}`))))).toEqual([
      expect.objectContaining({ field: 'variants.de.mjml', message: expect.stringMatching(/postal address/) }),
    ]);
    expect(problemsOf(await save(document(text(`Hallo<br />${ADDRESS}`))))).toEqual([
      expect.objectContaining({ field: 'variants.de.mjml', message: expect.stringMatching(/unsubscribe link/) }),
    ]);
    expect(await save(document(text('Hallo'), text(`${ADDRESS}<br />${LINK}`)))).toMatchObject({ locale: 'de', compiled: expect.any(Object) });
    const button = `<mj-section><mj-column><mj-button href="{{unsubscribeUrl}}">Abmelden</mj-button><mj-text>{{sender.address}}</mj-text></mj-column></mj-section>`;
    expect(await save(document(text('Hallo'), button))).toMatchObject({ compiled: expect.any(Object) });
    const partial = `{{> button url=unsubscribeUrl label="Abmelden" note=sender.address}}`;
    expect(await save(document(text('Hallo'), partial))).toMatchObject({ compiled: expect.any(Object) });
  });

  it('refuses a link or address shown only to some leads: for a lead of whom nothing is known, and one with every field known', async () => {
    const onlyNamed = problemsOf(await save(document(text(`Hallo<br />${ADDRESS}<br />{{#if firstName}}${LINK}{{/if}}`))));
    expect(onlyNamed).toEqual([expect.objectContaining({ message: expect.stringMatching(/^has no unsubscribe link for a lead of whom nothing is known/) })]);
    const onlyAnonymous = problemsOf(await save(document(text(`Hallo<br />${LINK}<br />{{#unless company}}${ADDRESS}{{/unless}}`))));
    expect(onlyAnonymous).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/^does not show the sender's postal address for a lead with every field known/) }),
    ]);
    // Shown to both, in either branch, is fine.
    expect(await save(document(text(`{{#if firstName}}Hallo {{firstName}}<br />${LINK}{{else}}Hallo<br />${LINK}{{/if}}<br />${ADDRESS}`)))).toMatchObject({
      compiled: expect.any(Object),
    });
  });

  it('does not count what a reader does not see: the address only in the <title>, the link only as text', async () => {
    const titled = `<mjml>\n<mj-head><mj-title>{{sender.address}}</mj-title></mj-head>\n<mj-body>\n${text(`Hallo ${LINK}`)}\n</mj-body>\n</mjml>`;
    expect(problemsOf(await save(titled))).toEqual([expect.objectContaining({ message: expect.stringMatching(/postal address/) })]);
    expect(problemsOf(await save(document(text(`Hallo {{unsubscribeUrl}}<br />${ADDRESS}`))))).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/unsubscribe link/) }),
    ]);
  });
});

describe('a send checks the footer of a version saved before saves checked it, once per prepared template', () => {
  const WITHOUT = document(text('Hallo {{fallback firstName "zusammen"}}'));
  const WITH = document(text('Hallo'), text(`${ADDRESS}<br />${LINK}`));

  /** The version as a send has it: compiled without the save's checks (stored long ago, or compiled on first use). */
  async function stored(mjml: string, locale = 'de'): Promise<CompiledTemplate> {
    const outcome = await save(mjml, locale, false);
    if (!('compiled' in outcome)) throw new Error(`does not compile: ${JSON.stringify(outcome.problems)}`);
    return outcome.compiled;
  }

  /** The prepared template with its HTML renders counted. */
  function counted(prepared: PreparedTemplate): { prepared: PreparedTemplate; renders: () => number } {
    let renders = 0;
    const html = prepared.html;
    return { prepared: { ...prepared, html: (data: unknown) => (renders++, html(data as never)) }, renders: () => renders };
  }

  it('finds what the save would have refused, naming the variant field, and renders for it only the first time', async () => {
    const verdicts = new FooterVerdicts();
    const { prepared, renders } = counted(prepareTemplate(await stored(WITHOUT)));
    const first = verdicts.of(prepared, 'de', WITHOUT);
    expect(first).toEqual(problemsOf(await save(WITHOUT)));
    expect(first.map((p) => p.field)).toEqual(['variants.de.mjml', 'variants.de.mjml']);
    expect(renders()).toBe(2); // the two sample leads
    for (let i = 0; i < 5; i++) expect(verdicts.of(prepared, 'de', WITHOUT)).toBe(first);
    expect(renders()).toBe(2);
    // Another prepared template (another version or locale, or this one prepared again after the cache let it go) has its own.
    expect(verdicts.of(prepareTemplate(await stored(WITH)), 'de', WITH)).toEqual([]);
  });

  it('passes every variant the save passed: a whole document with the footer, sections in the layout, the starters', async () => {
    const verdicts = new FooterVerdicts();
    expect(verdicts.of(prepareTemplate(await stored(WITH)), 'de', WITH)).toEqual([]);
    const sections = text('Hallo {{fallback firstName "zusammen"}}');
    expect(verdicts.of(prepareTemplate(await stored(sections)), 'de', sections)).toEqual([]);
    for (const starter of Object.values(library.starters)) {
      for (const [locale, v] of Object.entries(starter.variants)) {
        const [outcome] = await compileVariants({ variants: [{ locale, ...v, layout: library.layouts[locale] }], partials: library.partials, save: true });
        if (!('compiled' in outcome)) throw new Error(`starter ${locale}: ${JSON.stringify(outcome.problems)}`);
        expect({ locale, problems: verdicts.of(prepareTemplate(outcome.compiled), locale, v.mjml) }).toEqual({ locale, problems: [] });
      }
    }
  });

  it("a send's error names the template, version and locale, says what is missing, to publish a new version, and fits lastError", async () => {
    const problems = new FooterVerdicts().of(prepareTemplate(await stored(WITHOUT, 'fr')), 'fr', WITHOUT);
    const err = footerMissingError('0b9c2f4e-3f7a-4d6e-9a51-2c8e7f1d0a3b', 3, 'fr', problems);
    expect(err).toBeInstanceOf(TemplateError);
    expect(err.reason).toBe(TEMPLATE_WITHOUT_FOOTER);
    expect(err.field).toBe('variants.fr.mjml');
    expect(err.message).toMatch(/^variants\.fr\.mjml: template 0b9c2f4e-3f7a-4d6e-9a51-2c8e7f1d0a3b version 3 \(fr\) is not sent: /);
    expect(err.message).toContain('has no unsubscribe link for a lead of whom nothing is known; it does not show the sender\'s postal address for a lead of whom nothing is known.');
    expect(err.message).toMatch(/Publish a new version that shows \{\{sender\.address\}\} and links to \{\{unsubscribeUrl\}\}/);
    expect(err.message.length).toBeLessThanOrEqual(500); // what the message's lastError keeps
  });
});
