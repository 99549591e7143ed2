import { compileTemplate, type CompiledTemplate } from './template-compiler.js';
import { loadTemplateLibrary, type TemplateLibrary } from './template-loader.js';
import fc from 'fast-check';
import { collapseWhitespace, renderEmail, type RenderContext } from './renderer.js';
import { prepareReferenceTemplate, prepareTemplate } from './render-cache.js';
import { decodeEntities } from './link-tracking.js';
import { escapeExpression } from './escape-html.js';
import { TemplateError } from './template-error.js';
import type { TemplateData } from './template-variables.js';

let library: TemplateLibrary;
let email: CompiledTemplate;

const BODY = `
<mj-section>
  <mj-column>
    <mj-text>
      <p>Hallo {{fallback firstName "daar"}},</p>
      <p>Lees <a href="https://example.be/gids?utm_source=nurture&amp;utm_medium=email">onze gids</a>
      of bekijk <a href="https://example.be/cases/{{attributes.industry}}">een klant zoals jij</a>.</p>
      <p>Mail ons op <a href="mailto:info@example.be">info@example.be</a>, bel <a href="tel:+3231234567">03 123 45 67</a>
      of lees <a href="#prijzen">de prijzen</a> hieronder.</p>
    </mj-text>
    <mj-button href="{{sender.bookingUrl}}">Plan een gesprek</mj-button>
  </mj-column>
</mj-section>
`;

const LEAD: TemplateData = {
  firstName: 'An',
  company: 'Bakkerij Peeters',
  locale: 'nl',
  attributes: { industry: 'food' },
  sender: { name: 'Studio Noord', address: 'Kerkstraat 1, 2000 Antwerpen', bookingUrl: 'https://example.be/afspraak' },
  unsubscribeUrl: 'https://track.example.be/u/UNSUB',
};

/** Tracking as the send service does it: a click URL per link index, an open pixel per message. */
const tracking: RenderContext = {
  rewriteLink: (_url, index) => `https://track.example.be/t/c/TOKEN${index}`,
  openPixelUrl: 'https://track.example.be/t/o/OPEN',
};

beforeAll(async () => {
  library = await loadTemplateLibrary();
  email = await compileTemplate(
    { subject: 'Je gids{{#if company}} voor {{company}}{{/if}}', mjml: BODY },
    { layout: library.layouts.nl, partials: library.partials },
  );
});

describe('renderEmail', () => {
  it('greets the lead by name, or with the fallback when the name is missing or blank', () => {
    expect(renderEmail(email, LEAD, tracking).html).toContain('Hallo An,');
    for (const firstName of [undefined, null, '', '   ']) {
      const { html, text } = renderEmail(email, { ...LEAD, firstName }, tracking);
      expect(html).toContain('Hallo daar,');
      expect(text).toContain('Hallo daar,');
      expect(html).not.toContain('Hallo ,');
    }
  });

  it('HTML-escapes lead data, so a first name cannot inject markup', () => {
    const { html, subject, text } = renderEmail(
      email,
      { ...LEAD, firstName: '<script>alert(1)</script>', company: 'Jansen & "Zonen"' },
      tracking,
    );
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('Hallo &lt;script&gt;alert(1)&lt;/script&gt;,');
    // Subject and text part are plain text: shown as typed, not as entities.
    expect(subject).toBe('Je gids voor Jansen & "Zonen"');
    expect(text).toContain('Hallo <script>alert(1)</script>,');
  });

  it('rewrites every http(s) link through the tracker and reports the original URLs by index', () => {
    const { html, links } = renderEmail(email, LEAD, tracking);
    expect(links).toEqual([
      { index: 0, url: 'https://example.be/gids?utm_source=nurture&utm_medium=email' },
      { index: 1, url: 'https://example.be/cases/food' },
      { index: 2, url: 'https://example.be/afspraak' },
    ]);
    for (const { index } of links) expect(html).toContain(`href="https://track.example.be/t/c/TOKEN${index}"`);
    expect(html).not.toContain('href="https://example.be/');
  });

  it('leaves mailto:, tel:, # anchors and the unsubscribe link alone', () => {
    const { html, links } = renderEmail(email, LEAD, tracking);
    expect(html).toContain('href="mailto:info@example.be"');
    expect(html).toContain('href="tel:+3231234567"');
    expect(html).toContain('href="#prijzen"');
    expect(html).toContain('href="https://track.example.be/u/UNSUB"');
    expect(links.map((l) => l.url)).not.toContain('https://track.example.be/u/UNSUB');
  });

  it('does not track a computed link that turns out to be the unsubscribe link or not http(s)', () => {
    const { html, links } = renderEmail(
      email,
      { ...LEAD, sender: { ...LEAD.sender, bookingUrl: 'mailto:sales@example.be' } },
      tracking,
    );
    expect(html).toContain('href="mailto:sales@example.be"');
    expect(links).toHaveLength(2);

    const asUnsubscribe = renderEmail(email, { ...LEAD, sender: { ...LEAD.sender, bookingUrl: LEAD.unsubscribeUrl } }, tracking);
    expect(asUnsubscribe.links.map((l) => l.url)).not.toContain(LEAD.unsubscribeUrl);
    expect(asUnsubscribe.links).toHaveLength(2);
  });

  it('puts a 1×1 open pixel just before </body>', () => {
    const { html } = renderEmail(email, LEAD, tracking);
    expect(html).toMatch(/<img src="https:\/\/track\.example\.be\/t\/o\/OPEN" width="1" height="1" alt=""[^>]*\/><\/body>/);
  });

  it('makes a plain-text part with the link texts and their tracked links, and no HTML tags', () => {
    const { text } = renderEmail(email, LEAD, tracking);
    expect(text).toContain('onze gids [https://track.example.be/t/c/TOKEN0]');
    expect(text).toContain('een klant zoals jij [https://track.example.be/t/c/TOKEN1]');
    expect(text).toContain('Plan een gesprek [https://track.example.be/t/c/TOKEN2]');
    expect(text).toContain('Uitschrijven [https://track.example.be/u/UNSUB]');
    expect(text).toContain('Studio Noord · Kerkstraat 1, 2000 Antwerpen');
    expect(text).not.toMatch(/<[a-z/][^>]*>/i);
    expect(text).not.toMatch(/\n\s*\n\s*\n/);
  });

  it('counts a click in the text part as the same link as in the HTML part', () => {
    const rewritten: number[] = [];
    renderEmail(email, LEAD, { ...tracking, rewriteLink: (_url, index) => (rewritten.push(index), `https://t/${index}`) });
    expect(rewritten).toEqual([0, 1, 2]);
  });

  it('escapes every href exactly once: static and computed links with & in the query, tracked or previewed, fast evaluator or Handlebars', () => {
    const data = { ...LEAD, sender: { ...LEAD.sender, bookingUrl: 'https://example.be/afspraak?wie=An&wat=gesprek' } };
    const want = [
      'https://example.be/gids?utm_source=nurture&utm_medium=email',
      'https://example.be/cases/food',
      'https://example.be/afspraak?wie=An&wat=gesprek',
    ];
    const preview: RenderContext = { rewriteLink: (url) => url, openPixelUrl: '' };
    const tracked: RenderContext = { rewriteLink: (_url, i) => `https://t.example/c/${i}?a=1&b="2"`, openPixelUrl: 'https://t.example/o?a=1&b=2' };
    for (const prepare of [prepareTemplate, prepareReferenceTemplate]) {
      const template = prepare(email);
      for (const [ctx, hrefs] of [
        [preview, want],
        [tracked, want.map((_, i) => `https://t.example/c/${i}?a=1&b="2"`)],
      ] as const) {
        const { html, links } = renderEmail(template, data, ctx);
        expect(links.map((l) => l.url)).toEqual(want);
        const written = [...html.matchAll(/<a\s[^>]*href="([^"]*)"/g)].map((m) => m[1]).filter((h) => h.startsWith('http'));
        expect(written.map(decodeEntities)).toEqual([...hrefs, LEAD.unsubscribeUrl]);
        expect(html).not.toContain('&amp;amp;');
        for (const href of hrefs) expect(html).toContain(`href="${escapeExpression(href)}"`);
      }
      expect(renderEmail(template, data, tracked).html).toContain(`<img src="${escapeExpression(tracked.openPixelUrl)}"`);
    }
  });

  it('renders without tracking for previews', () => {
    const { html, links } = renderEmail(email, LEAD, { rewriteLink: (url) => url, openPixelUrl: '' });
    expect(html).toContain('href="https://example.be/afspraak"');
    expect(html).not.toContain('<img src=""');
    expect(links).toHaveLength(3);
  });
});

describe('renderEmail of Handlebars that fails only with data', () => {
  /** `{{#each}}` without a list throws when it runs: here only for a lead with a first name. */
  const FAILS_WITH_NAME = '{{#if firstName}}{{#each}}x{{/each}}{{/if}}';
  const failing = (part: 'subject' | 'html'): CompiledTemplate => ({
    format: 1,
    subject: part === 'subject' ? `Nieuws ${FAILS_WITH_NAME}` : 'Nieuws',
    html: part === 'html' ? `<html><body><p>Hallo ${FAILS_WITH_NAME}</p></body></html>` : '<html><body><p>Hallo</p></body></html>',
    text: null,
  });

  it.each([
    ['html', 'mjml'],
    ['subject', 'subject'],
  ] as const)('names the variant field whose part failed (%s part: variants.nl.%s)', (part, field) => {
    expect(() => renderEmail(failing(part), {}, tracking)).not.toThrow();
    const render = () => renderEmail(failing(part), LEAD, { ...tracking, fieldPrefix: 'variants.nl' });
    expect(render).toThrow(TemplateError);
    expect(render).toThrow(expect.objectContaining({ field: `variants.nl.${field}`, message: expect.stringContaining('the template could not be rendered') }));
    expect(() => renderEmail(failing(part), LEAD, tracking)).toThrow(expect.objectContaining({ field }));
  });
});

describe('collapseWhitespace', () => {
  it('puts a subject on one line exactly as replacing every white-space run by a space and trimming does (property)', () => {
    const piece = fc.constantFrom('a', 'Hallo', ' ', '  ', '\t', '\n', '\u00a0', '\u2003', '\r\n', 'é', '{{x}}');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
        const subject = pieces.join('');
        expect(collapseWhitespace(subject)).toBe(subject.replace(/\s+/g, ' ').trim());
      }),
      { numRuns: 2000 },
    );
  });
});

describe('renderEmail with more links than a send tracks', () => {
  const many: CompiledTemplate = {
    format: 1,
    subject: 'Links',
    html: `<html><body>${Array.from({ length: 600 }, (_, i) => `<a href="https://example.be/s${i}">s</a>`).join('')}{{#each attributes.links}}<a href="{{this}}">c</a>{{/each}}</body></html>`,
    text: null,
  };
  const links = Array.from({ length: 70_000 }, (_, i) => `https://example.be/c${i}`);

  it.each([
    ['one URL per link', tracking],
    ['a click URL prefix', { ...tracking, clickUrlPrefix: 'https://track.example.be/t/c/TOKEN' }],
  ])('tracks the first 1,000 and leaves the rest as written, so no link reaches the honeypot index (%s)', (_, ctx) => {
    const rendered = renderEmail(many, { attributes: { links } }, ctx);
    expect(rendered.links).toHaveLength(1000);
    expect(rendered.links.at(-1)).toEqual({ index: 999, url: 'https://example.be/c399' });
    expect(rendered.html).toContain('href="https://track.example.be/t/c/TOKEN999"');
    expect(rendered.html).not.toContain('TOKEN1000"');
    expect(rendered.html).toContain('href="https://example.be/c400"');
    expect(rendered.html).toContain('href="https://example.be/c69999"');
    expect(rendered.html).toContain('href="https://track.example.be/t/c/TOKEN0"');
  });
});
