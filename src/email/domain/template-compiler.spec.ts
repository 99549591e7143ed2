import { compileTemplate, type CompiledTemplate } from './template-compiler.js';
import { TemplateError } from './template-error.js';
import { loadTemplateLibrary, type TemplateLibrary } from './template-loader.js';
import { renderEmail } from './renderer.js';

let library: TemplateLibrary;
beforeAll(async () => {
  library = await loadTemplateLibrary();
});

const noTracking = { rewriteLink: (url: string) => url, openPixelUrl: '' };

function section(content: string): string {
  return `<mj-section>\n  <mj-column>\n    <mj-text>${content}</mj-text>\n  </mj-column>\n</mj-section>\n`;
}

async function compile(mjml: string, subject = 'Hallo', fieldPrefix = 'variants.nl'): Promise<CompiledTemplate> {
  return compileTemplate({ subject, mjml }, { layout: library.layouts.nl, partials: library.partials, fieldPrefix });
}

async function compileError(mjml: string, subject = 'Hallo'): Promise<TemplateError> {
  const error = await compile(mjml, subject).then(
    () => null,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(TemplateError);
  return error as TemplateError;
}

describe('compileTemplate', () => {
  it('compiles the welcome-guide starter in Dutch, English and French, each with its own footer', async () => {
    const footers = { nl: 'Uitschrijven', en: 'Unsubscribe', fr: 'Se désinscrire' };
    for (const [locale, footer] of Object.entries(footers)) {
      const variant = library.starters['welcome-guide'].variants[locale];
      const compiled = await compileTemplate(variant, { layout: library.layouts[locale], partials: library.partials });
      expect(compiled.html).toContain(`lang="${locale}"`);
      expect(compiled.html).toContain(footer);
      expect(compiled.html).not.toContain('<mj-section');
      expect(compiled.html).toContain('href="{{unsubscribeUrl}}"');
    }
  });

  it('keeps Handlebars expressions inside attributes through MJML', async () => {
    const compiled = await compile(
      `${section('Hallo')}<mj-section><mj-column><mj-button href="{{attributes.offerUrl}}?ref={{source.campaign}}">Bekijk</mj-button></mj-column></mj-section>`,
    );
    expect(compiled.html).toContain('href="{{attributes.offerUrl}}?ref={{source.campaign}}"');
    const { html } = renderEmail(compiled, { attributes: { offerUrl: 'https://example.be/offerte' }, source: { campaign: 'q1' } }, noTracking);
    expect(html).toContain('href="https://example.be/offerte?ref&#x3D;q1"');
  });

  it('keeps block tags placed between sections, so whole sections can depend on the stage', async () => {
    const compiled = await compile(
      `{{#ifStage "mql"}}\n${section('Je accountmanager belt je deze week.')}{{else}}\n${section('Lees onze gids.')}{{/ifStage}}\n`,
    );
    expect(renderEmail(compiled, { stage: 'mql' }, noTracking).text).toContain('Je accountmanager belt je deze week.');
    const asLead = renderEmail(compiled, { stage: 'lead' }, noTracking).text;
    expect(asLead).toContain('Lees onze gids.');
    expect(asLead).not.toContain('accountmanager');
  });

  it('passes partial arguments to the partial, like Handlebars does', async () => {
    const compiled = await compile(`${section('Hallo')}{{> button url="https://example.be/demo" label="Plan een demo"}}\n`);
    const { html } = renderEmail(compiled, {}, noTracking);
    expect(html).toContain('href="https://example.be/demo"');
    expect(html).toContain('Plan een demo');
  });

  it('is plain serializable data: a stored version renders the same after a JSON round trip', async () => {
    const compiled = await compile(section('Hallo {{fallback firstName "daar"}}'));
    const restored = JSON.parse(JSON.stringify(compiled)) as CompiledTemplate;
    expect(restored).toEqual(compiled);
    expect(renderEmail(restored, { firstName: 'An' }, noTracking).html).toBe(renderEmail(compiled, { firstName: 'An' }, noTracking).html);
  });

  describe('refuses a template and names the field and line', () => {
    it('for an unknown MJML element', async () => {
      const error = await compileError(`${section('Hallo')}<mj-sectoin>\n  <mj-column></mj-column>\n</mj-sectoin>\n`);
      expect(error.field).toBe('variants.nl.mjml');
      expect(error.line).toBe(6);
      expect(error.message).toMatch(/mj-sectoin/);
    });

    it('for an MJML attribute that does not exist', async () => {
      const error = await compileError(`<mj-section>\n  <mj-column>\n    <mj-text colour="red">Hallo</mj-text>\n  </mj-column>\n</mj-section>\n`);
      expect(error).toMatchObject({ field: 'variants.nl.mjml', line: 3 });
      expect(error.message).toMatch(/colour/);
    });

    it('for MJML in the wrong place', async () => {
      const error = await compileError(`${section('Hallo')}<mj-text>Los van een kolom</mj-text>\n`);
      expect(error).toMatchObject({ field: 'variants.nl.mjml', line: 6 });
      expect(error.message).toMatch(/mj-text cannot be used inside mj-wrapper/);
    });

    it('for a Handlebars block that is never closed', async () => {
      const error = await compileError(`${section('Hallo')}${section('{{#if company}}bij {{company}}')}`);
      expect(error).toMatchObject({ field: 'variants.nl.mjml', line: 8 });
      expect(error.message).toMatch(/\{\{#if\}\} is never closed/);
    });

    it('for an unfinished Handlebars expression', async () => {
      const error = await compileError(`${section('Hallo')}\n\n${section('Hallo {{firstName')}`);
      expect(error).toMatchObject({ field: 'variants.nl.mjml', line: 10 });
      expect(error.message).toMatch(/near ".*Hallo \{\{firstName/);
    });

    it('for invalid Handlebars in the subject', async () => {
      const error = await compileError(section('Hallo'), 'Je offerte {{#if company}}');
      expect(error).toMatchObject({ field: 'variants.nl.subject', line: 1 });
    });

    it('for a helper that does not exist', async () => {
      const error = await compileError(`${section('Hallo')}${section('{{capitalize firstName}}')}`);
      expect(error).toMatchObject({ field: 'variants.nl.mjml', line: 8 });
      expect(error.message).toMatch(/unknown helper "capitalize"/);
    });

    it('for a partial that does not exist', async () => {
      const error = await compileError(`${section('Hallo')}{{> testimonial}}\n`);
      expect(error).toMatchObject({ field: 'variants.nl.mjml', line: 6 });
      expect(error.message).toMatch(/unknown partial "testimonial"/);
    });

    it('for unescaped output, which would put lead data into the HTML as is', async () => {
      const error = await compileError(section('Hallo {{{firstName}}}'));
      expect(error).toMatchObject({ field: 'variants.nl.mjml', line: 3 });
      expect(error.message).toMatch(/unescaped/);
    });

    it('for an expression MJML would silently drop (outside any content element)', async () => {
      const error = await compileError(`${section('Hallo')}{{firstName}}\n${section('Tot ziens')}`);
      expect(error).toMatchObject({ field: 'variants.nl.mjml', line: 6 });
      expect(error.message).toMatch(/\{\{firstName\}\} is not inside an MJML content element/);
    });

    it('for invalid MJML inside a partial, naming the partial', async () => {
      const error = await compileTemplate(
        { subject: 'Hallo', mjml: '{{> broken}}\n' },
        { layout: library.layouts.nl, partials: { broken: '<mj-section>\n  <mj-column>\n    <mj-txt>x</mj-txt>\n  </mj-column>\n</mj-section>\n' } },
      ).catch((err: unknown) => err);
      expect(error).toMatchObject({ field: 'partials.broken', line: 3 });
    });

    it('for something that would only fail when rendering ({{#each}} without a list)', async () => {
      const error = await compileError(section('{{#each}}x{{/each}}'));
      expect(error.field).toBe('variants.nl.mjml');
      expect(error.line).toBe(3);
      expect(error.message).toMatch(/"each" takes 1 argument, not 0/);
    });
  });

  it('reports every MJML problem, each with its line', async () => {
    const error = await compileError(`<mj-section>\n  <mj-column>\n    <mj-text colour="red">a</mj-text>\n    <mj-buton>b</mj-buton>\n  </mj-column>\n</mj-section>\n`);
    expect(error.problems.map((p) => p.line)).toEqual([3, 4]);
    expect(error.errors).toHaveLength(2);
  });
});

describe('compileTemplate limits', () => {
  it('refuses blocks nested deeper than 16 at once, naming the variant field and line, without compiling', async () => {
    const mjml = `<mj-section>\n<mj-column>\n<mj-text>${'{{#if firstName}}'.repeat(1000)}x${'{{/if}}'.repeat(1000)}</mj-text>\n</mj-column>\n</mj-section>`;
    const error = await compileError(mjml);
    expect(error.problems).toEqual([{ field: 'variants.nl.mjml', line: 3, message: expect.stringMatching(/nested more than 16 deep/) }]);
  });

  it('refuses a variant whose partials would grow it past 100,000 characters of MJML before compiling it, naming the line', async () => {
    const hostile = '{{>proof}}\n'.repeat(4545); // within 50,000 characters; 1.8 million inlined, 33 s of MJML
    const error = await compileError(hostile);
    expect(error.problems).toEqual([{ field: 'variants.nl.mjml', line: expect.any(Number), message: expect.stringMatching(/grows past the limit of 100,000 characters here, at \{\{> proof\}\}/) }]);
    expect(error.problems[0].line).toBeGreaterThan(250);
    expect(error.problems[0].line).toBeLessThan(300);
  });

  it('refuses a variant longer than 50,000 characters before parsing it', async () => {
    const mjml = section('Hallo {{firstName}}').repeat(1000);
    const error = await compileError(mjml);
    expect(error.problems).toEqual([{ field: 'variants.nl.mjml', line: null, message: expect.stringMatching(/at most 50000/) }]);
  });
});

describe('compileTemplate refuses MJML that MJML would silently repair', () => {
  it('a closing tag that does not match its element (</mj-txt>), naming its line', async () => {
    const error = await compileError('<mj-section>\n<mj-column>\n<mj-text><p>Bedankt voor je aanvraag.</p></mj-txt>\n</mj-column>\n</mj-section>');
    expect(error.problems).toEqual([{ field: 'variants.nl.mjml', line: 3, message: expect.stringMatching(/<\/mj-txt> does not close <mj-text> \(line 3\)/) }]);
  });

  it('the probe: all on one line', async () => {
    const error = await compileError('<mj-section><mj-column><mj-text><p>Bedankt voor je aanvraag.</p></mj-txt></mj-column></mj-section>');
    expect(error.problems[0]).toMatchObject({ field: 'variants.nl.mjml', line: 1 });
  });

  it('a missing </mj-text>', async () => {
    const error = await compileError('<mj-section>\n  <mj-column>\n    <mj-text><p>Bedankt</p>\n  </mj-column>\n</mj-section>');
    expect(error.problems).toEqual([{ field: 'variants.nl.mjml', line: 4, message: expect.stringMatching(/<\/mj-column> does not close <mj-text> \(line 3\)/) }]);
  });

  it('an element never closed', async () => {
    const error = await compileError(`${section('Hallo')}<mj-section>\n<mj-column>\n<mj-text>Tot ziens</mj-text>\n</mj-column>\n`);
    expect(error.problems).toEqual([{ field: 'variants.nl.mjml', line: 6, message: expect.stringMatching(/<mj-section> is not closed before <\/mj-wrapper>/) }]);
  });

  it('bare text with no MJML element', async () => {
    const error = await compileError('Bedankt voor je aanvraag.');
    expect(error.problems).toEqual([{ field: 'variants.nl.mjml', line: 1, message: expect.stringMatching(/"Bedankt voor je aanvraag\." is outside any content element/) }]);
    const between = await compileError(`${section('Hallo')}\nEn nog iets.\n${section('Tot ziens')}`);
    expect(between.problems).toEqual([{ field: 'variants.nl.mjml', line: 7, message: expect.stringMatching(/"En nog iets\."/) }]);
  });

  it('a partial that emits sections, placed inside <mj-text>, named where it is included', async () => {
    const error = await compileError('<mj-section>\n<mj-column>\n<mj-text>\n<p>Hallo</p>\n{{> button url="https://example.be" label="Bekijk"}}\n</mj-text>\n</mj-column>\n</mj-section>');
    expect(error.problems).toEqual([
      { field: 'variants.nl.mjml', line: 5, message: expect.stringMatching(/partial included here: <mj-section> cannot be inside <mj-text>/) },
    ]);
  });

  it('MJML elements written inside <mj-text>', async () => {
    const error = await compileError('<mj-section><mj-column><mj-text>Hallo\n<mj-button href="https://example.be">Bekijk</mj-button></mj-text></mj-column></mj-section>');
    expect(error.problems[0]).toMatchObject({ field: 'variants.nl.mjml', line: 2, message: expect.stringMatching(/<mj-button> cannot be inside <mj-text>/) });
  });

  it('still accepts what is valid: comments, self-closing elements, Handlebars between sections, whole documents, every starter', async () => {
    await compile(`<!-- intro -->\n${section('Hallo')}<mj-section><mj-column><mj-divider /><mj-image src="https://example.be/a.png"></mj-image></mj-column></mj-section>\n{{#ifStage "mql"}}${section('MQL')}{{/ifStage}}`);
    await compileTemplate({ subject: 'x', mjml: `<mjml>\n<mj-body>\n${section('Hallo')}</mj-body>\n</mjml>` }, { partials: library.partials });
    for (const starter of Object.values(library.starters)) {
      for (const [locale, variant] of Object.entries(starter.variants)) await compileTemplate(variant, { layout: library.layouts[locale], partials: library.partials });
    }
  });
});

describe('compileTemplate names a helper called with the wrong number of arguments, with its line', () => {
  it.each([
    ['{{formatDate}}', /"formatDate" takes 1 to 2 arguments, not 0: write it like \{\{formatDate attributes\.webinarAt "long"\}\}/],
    ['{{#ifEq intent}}ja{{/ifEq}}', /"ifEq" takes 2 arguments, not 1/],
    ['{{upper}}', /"upper" takes 1 argument, not 0/],
    ['{{upper firstName company}}', /"upper" takes 1 argument, not 2/],
    ['{{#each}}x{{/each}}', /"each" takes 1 argument, not 0/],
    ['{{#if (ifEq intent)}}x{{/if}}', /"ifEq" takes 2 arguments, not 1/],
    ['{{#ifIn attributes.industry}}x{{/ifIn}}', /"ifIn" takes at least 2 arguments, not 1/],
  ])('%s', async (expression, message) => {
    const error = await compileError(`<mj-section>\n<mj-column>\n<mj-text>Hallo\n${expression}</mj-text>\n</mj-column>\n</mj-section>`);
    expect(error.problems).toEqual([{ field: 'variants.nl.mjml', line: 4, message: expect.stringMatching(message) }]);
    expect(error.message).not.toMatch(/Cannot read|undefined/);
  });

  it('in the subject too', async () => {
    const error = await compileError(section('Hallo'), 'Hallo {{upper}}');
    expect(error.problems).toEqual([{ field: 'variants.nl.subject', line: 1, message: expect.stringMatching(/"upper" takes 1 argument/) }]);
  });
});

describe('compileTemplate on the event loop', () => {
  it('lets waiting requests through between its steps instead of holding the loop for the whole compile', async () => {
    const mjml = section('Hallo {{fallback firstName "daar"}}').repeat(40);
    await compile(mjml); // MJML loaded and warm
    const ran: number[] = [];
    const tick = () => {
      ran.push(performance.now());
      if (ran.length < 50) setImmediate(tick);
    };
    setImmediate(tick);
    await compile(mjml);
    const finished = performance.now();
    expect(ran.filter((at) => at < finished).length).toBeGreaterThanOrEqual(3);
  });
});
