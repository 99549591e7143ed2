import { MAX_BLOCK_DEPTH, MAX_MJML_CHARS, MAX_NESTING, nestingProblem, sizeProblem } from './template-limits.js';
import { loadTemplateLibrary } from './template-loader.js';

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

  it('scans the probe of 1,000 nested blocks in well under a millisecond per KB', () => {
    const probe = `<mj-section><mj-column><mj-text>${nested(1000)}</mj-text></mj-column></mj-section>`;
    const started = performance.now();
    expect(nestingProblem(probe, 'variants.nl.mjml')?.line).toBe(1);
    expect(performance.now() - started).toBeLessThan(50);
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
