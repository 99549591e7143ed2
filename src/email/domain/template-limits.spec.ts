import { BUILTIN_HELPERS, PARTIAL_SCOPE_HELPER, TEMPLATE_HELPERS, createTemplateEngine } from './helpers.js';
import { MappedSource } from './mapped-source.js';
import { assembleMjml } from './mjml-assembly.js';
import { expandedLength, expansionProblem, MAX_BLOCK_DEPTH, MAX_EXPANDED_MJML_CHARS, MAX_MJML_CHARS, MAX_NESTING, nestingProblem, sizeProblem } from './template-limits.js';
import { loadTemplateLibrary, type TemplateLibrary } from './template-loader.js';

const nested = (n: number, inner = 'x') => '{{#if firstName}}'.repeat(n) + inner + '{{/if}}'.repeat(n);

describe('template limits', () => {
  it(`allows blocks nested ${MAX_BLOCK_DEPTH} deep and refuses one more, naming the line`, () => {
    expect(nestingProblem(nested(MAX_BLOCK_DEPTH), 'variants.nl.mjml')).toBeNull();
    const source = `<mj-text>\n${'{{#if a}}\n'.repeat(MAX_BLOCK_DEPTH + 1)}x${'{{/if}}'.repeat(MAX_BLOCK_DEPTH + 1)}`;
    expect(nestingProblem(source, 'variants.nl.mjml')).toEqual({
      field: 'variants.nl.mjml',
      line: MAX_BLOCK_DEPTH + 2,
      message: expect.stringContaining(`nested more than ${MAX_BLOCK_DEPTH} deep`),
    });
  });

  it('counts blocks that follow each other once, and ignores comments and {{else}}', () => {
    const siblings = '{{#if a}}x{{else}}y{{/if}}'.repeat(500);
    expect(nestingProblem(siblings, 'mjml')).toBeNull();
    expect(nestingProblem(`{{!-- ${'{{#if a}}'.repeat(40)} --}}`, 'mjml')).toBeNull();
    expect(nestingProblem(`${'{{#each list}}{{^if a}}'.repeat(8)}x${'{{/if}}{{/each}}'.repeat(8)}`, 'mjml')).toBeNull();
  });

  it('counts chained {{else if}} branches, which Handlebars nests', () => {
    const chain = (n: number) => `{{#if a}}0${Array.from({ length: n }, (_, i) => `{{else if b${i}}}${i}`).join('')}{{/if}}`;
    expect(nestingProblem(chain(MAX_NESTING - 1), 'mjml')).toBeNull();
    expect(nestingProblem(chain(MAX_NESTING), 'mjml')?.message).toMatch(/more than 64 levels deep/);
    expect(nestingProblem(chain(MAX_NESTING - 1).repeat(50), 'mjml')).toBeNull(); // the level is left at {{/if}}
  });

  it('names the line of the probe of 1,000 nested blocks (its speed is measured by the template-save bench, not here)', () => {
    const probe = `<mj-section><mj-column><mj-text>${nested(1000)}</mj-text></mj-column></mj-section>`;
    expect(nestingProblem(probe, 'variants.nl.mjml')?.line).toBe(1);
  });

  it(`refuses MJML longer than ${MAX_MJML_CHARS} characters`, () => {
    expect(sizeProblem('x'.repeat(MAX_MJML_CHARS), 'variants.nl.mjml')).toBeNull();
    expect(sizeProblem('x'.repeat(MAX_MJML_CHARS + 1), 'variants.nl.mjml')).toMatchObject({ field: 'variants.nl.mjml', line: null });
  });

  it('leaves the shipped templates far below the limits', async () => {
    const library = await loadTemplateLibrary();
    const sources = [
      ...Object.values(library.partials),
      ...Object.values(library.layouts),
      ...Object.values(library.starters).flatMap((s) => Object.values(s.variants).flatMap((v) => [v.subject, v.mjml])),
    ];
    for (const source of sources) {
      expect(source.length).toBeLessThan(MAX_MJML_CHARS / 10);
      expect(nestingProblem(nested(MAX_BLOCK_DEPTH - 4, source), 'mjml')).toBeNull();
    }
  });
});

describe('the expansion limit (partials and layout inlined)', () => {
  let library: TemplateLibrary;
  beforeAll(async () => {
    library = await loadTemplateLibrary();
  });
  const context = () => ({ layout: library.layouts.nl, partials: library.partials });
  const section = (content: string) => `<mj-section>\n  <mj-column>\n    <mj-text>${content}</mj-text>\n  </mj-column>\n</mj-section>\n`;
  /** The ten-section email of the benchmarks (bench/render.bench.ts): about 14 KB of MJML, 48 KB of HTML. */
  const tenSections = () =>
    Array.from({ length: 10 }, (_, i) => section(`<h2>Stap ${i + 1} voor {{fallback company "je bedrijf"}}</h2><p>${'Een goede website begint bij de vragen van je klanten. '.repeat(18)}</p>`))
      .join('') + '{{> proof quote="Snel geholpen" name="An"}}\n{{> question question="Wanneer?" hint="Antwoord gerust"}}\n{{> button url=sender.website label="Plan"}}\n';
  /** What assembleMjml builds, to compare the cheap count with. */
  const assembled = (mjml: string) => {
    const hb = createTemplateEngine();
    const helpers = new Set([...TEMPLATE_HELPERS, ...BUILTIN_HELPERS, PARTIAL_SCOPE_HELPER]);
    return assembleMjml(hb, { body: MappedSource.of(mjml, 'mjml'), bodyProgram: hb.parse(mjml), layout: library.layouts.nl, partials: library.partials, helpers }).text;
  };

  it(`leaves every starter and a ten-section email with partials far below ${MAX_EXPANDED_MJML_CHARS} characters`, () => {
    const limitedTo = (fraction: number) => Math.floor(MAX_EXPANDED_MJML_CHARS * fraction);
    for (const starter of Object.values(library.starters)) {
      for (const [locale, variant] of Object.entries(starter.variants)) {
        expect(expansionProblem(variant.mjml, `variants.${locale}.mjml`, { layout: library.layouts[locale], partials: library.partials })).toBeNull();
        // Twenty times over: the starter repeated 20 times still fits (each expands to under 5,000 characters).
        expect(assembled(variant.mjml).length).toBeLessThan(limitedTo(1 / 20));
      }
    }
    const email = tenSections();
    expect(email.length).toBeGreaterThan(10_000);
    expect(expansionProblem(email, 'variants.nl.mjml', context())).toBeNull();
    expect(assembled(email).length).toBeLessThan(limitedTo(1 / 5));
    // A variant at the size limit without partials fits too: the expansion limit only bounds what partials add.
    expect(expansionProblem(section('x'.repeat(MAX_MJML_CHARS - 100)), 'variants.nl.mjml', context())).toBeNull();
  });

  it('counts close to what the assembly builds, a little under it', () => {
    const cases = [
      ...Object.values(library.starters).map((s) => s.variants.nl.mjml),
      tenSections(),
      '{{>proof}}\n'.repeat(250),
      `{{#if company}}\n${'{{> question question="Wanneer?" hint="Nu of later"}}\n'.repeat(100)}{{/if}}`,
    ];
    for (const mjml of cases) {
      const real = assembled(mjml).length;
      const counted = expandedLength(mjml, context());
      expect(counted).toBeLessThanOrEqual(real);
      expect(counted).toBeGreaterThan(real * 0.8);
    }
  });

  it('refuses a partial on every line at once, naming the line where the MJML crosses the limit and how to stay under it', () => {
    const hostile = '{{>proof}}\n'.repeat(Math.floor(MAX_MJML_CHARS / '{{>proof}}\n'.length)); // 4,545 partials, 1.8 million characters
    const problem = expansionProblem(hostile, 'variants.nl.mjml', context());
    const perProof = library.partials.proof.length + '{{>proof}}'.length;
    const layout = library.layouts.nl.replace('{{{body}}}', '').length;
    const crossing = Math.floor((MAX_EXPANDED_MJML_CHARS - layout) / (perProof + 1)) + 1; // the first line that does not fit
    expect(problem).toEqual({ field: 'variants.nl.mjml', line: crossing, message: expect.stringContaining('grows past the limit of 100,000 characters here, at {{> proof}}') });
    expect(problem?.message).toMatch(/from 4,545 partials\); include fewer partials \(each \{\{> proof\}\} adds about 3\d\d characters\) or spread the content over several emails/);
    // One line less and it fits.
    expect(expansionProblem('{{>proof}}\n'.repeat(crossing - 1), 'variants.nl.mjml', context())).toBeNull();
  });

  it('counts partials inside blocks and partials that include partials, not those in comments or unknown ones', () => {
    const partials = { ...library.partials, pair: '{{> proof}}\n{{~> "proof" name="x"}}' };
    const pair = partials.pair.length + 2 * library.partials.proof.length;
    const times = Math.ceil(MAX_EXPANDED_MJML_CHARS / pair);
    const nested = expansionProblem(`{{#if company}}\n${'{{> pair}}\n'.repeat(times)}{{/if}}`, 'mjml', { partials });
    expect(nested).toEqual({ field: 'mjml', line: expect.any(Number), message: expect.stringMatching(/^with its partials inlined .* here, at \{\{> pair\}\} /) });
    expect(nested!.line).toBeGreaterThan(times * 0.9); // the tags and text count too, so a little before the last one
    expect(nested!.line).toBeLessThanOrEqual(times + 1);
    expect(expansionProblem(`{{!-- ${'{{> pair}}\n'.repeat(times)} --}}`, 'mjml', { partials })).toBeNull();
    expect(expansionProblem('{{> nope}}\n'.repeat(times), 'mjml', { partials })).toBeNull();
    // A partial that includes itself (the assembly refuses it) does not send the count round in circles.
    expect(expansionProblem('{{> loop}}', 'mjml', { partials: { loop: '{{> loop}}' } })).toBeNull();
  });

  it('counts the layout only for sections that go into it, not for a whole <mjml> document', () => {
    const layout = `<mjml><mj-body>{{{body}}}${'<mj-raw> </mj-raw>'.repeat(Math.ceil(MAX_EXPANDED_MJML_CHARS / 18))}</mj-body></mjml>`;
    expect(expansionProblem(section('Hallo'), 'mjml', { layout, partials: {} })).toMatchObject({ line: 1, message: expect.stringMatching(/^with its partials and the layout inlined .* limit of 100,000 characters here \(/) });
    expect(expansionProblem(`<mjml><mj-body>${section('Hallo')}</mj-body></mjml>`, 'mjml', { layout, partials: {} })).toBeNull();
  });

});
