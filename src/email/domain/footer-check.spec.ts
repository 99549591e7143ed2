import { compileVariants, type VariantOutcome } from './compile-variants.js';
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
