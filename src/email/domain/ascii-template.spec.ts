import fc from 'fast-check';
import { decodeHTML } from 'entities';
import { asciiHtml } from '../mime/seven-bit-html.js';
import { asciiTemplateHtml } from './ascii-template.js';
import { HTML_OPTIONS, renderEngine } from './render-cache.js';

/** Literal template text: ASCII, accented Latin-1, curly quotes, an emoji (a surrogate pair), NBSP, and now and then a C1 control. */
const char = fc.oneof(
  { weight: 30, arbitrary: fc.constantFrom('a', 'b', ' ', '.', '\n', '&amp;', '<b>', '</b>') },
  { weight: 10, arbitrary: fc.constantFrom('é', 'ë', 'ç', '’', '“', '€', '😀', 'Ω') },
  { weight: 3, arbitrary: fc.constantFrom('\u00a0', '\u2009', '\u3000') },
  { weight: 1, arbitrary: fc.constantFrom('\u0085', '\ud800') },
);
const literal = fc.array(char, { maxLength: 12 }).map((cs) => cs.join(''));
const mustache = fc.constantFrom(
  '{{name}}',
  '{{~name~}}',
  ' {{~name}}',
  '{{#if flag}}één{{/if}}',
  '{{#if flag}}\n  {{name}}\n{{/if}}',
  '{{#ifEq name "Café"}}ja{{else}}nee{{/ifEq}}',
  '{{!-- geen “commentaar” }} hier --}}',
  '{{! kort: é }}',
  '{{fallback name "Beste lezer"}}',
);
const segment = fc.oneof(
  { weight: 10, arbitrary: literal },
  { weight: 6, arbitrary: mustache },
  { weight: 1, arbitrary: literal.map((t) => `<style>p{content:"${t}"}</style>`) },
  { weight: 1, arbitrary: fc.constantFrom('<script>var x = "{{name}}";</script>', '<style>{{#if flag}}</style>{{/if}}', '{{{name}}}', '<p title="Café {{name}}">') },
);
const template = fc.array(segment, { minLength: 1, maxLength: 30 }).map((s) => `<html><body>${s.join('')}</body></html>`);
const data = fc.record({
  name: fc.constantFrom('Anna', 'Café', 'Zoë', '<style>é</style>', 'x\u0085y', ''),
  flag: fc.boolean(),
});

const render = (source: string, d: unknown) => renderEngine.compile(source, HTML_OPTIONS)(d);

describe('asciiTemplateHtml', () => {
  it('sends the same bytes: asciiHtml of a page rendered from the converted template is that of the original page', () => {
    fc.assert(
      fc.property(template, data, (source, d) => {
        const converted = asciiTemplateHtml(source);
        const before = render(source, d);
        const after = render(converted, d);
        expect(asciiHtml(after)).toBe(asciiHtml(before));
        // Where 7-bit cannot be done (lead data with a C1 control) the page is sent quoted-printable in UTF-8
        // (which has no lone surrogates: the encoder writes U+FFFD, as the reference does): the same page.
        const sent = (page: string) => Buffer.from(decodeHTML(page), 'utf8').toString('utf8');
        expect(sent(after)).toBe(sent(before));
      }),
      { numRuns: 400 },
    );
  });

  it('leaves only the characters a send must still look at', () => {
    const source = '<p title="Café">Één tip – voor {{name}}{{#ifEq name "Zoë"}} ❤️{{/ifEq}}\u00a0{{~name}}</p>';
    expect(asciiTemplateHtml(source)).toBe(
      '<p title="Caf&#233;">&#201;&#233;n tip &#8211; voor {{name}}{{#ifEq name "Zoë"}} &#10084;&#65039;{{/ifEq}}\u00a0{{~name}}</p>',
    );
    expect(render(asciiTemplateHtml(source), { name: 'Zoë' })).toMatch(/^[\x00-\x7f]*Zoë &#10084;&#65039;Zoë<\/p>$/);
  });

  it('converts nothing where a raw-text element could change at render time, or holds a non-ASCII character, or HTML is output unescaped', () => {
    for (const source of [
      '<style>p{}</style>{{#if x}}<script>{{/if}}é',
      '<style>{{#if x}}</style>{{/if}}<p>é</p></style>',
      '<style>p{content:"é"}</style><p>é</p>',
      '<p>{{{html}}} é</p>',
      '<p>{{& html}} é</p>',
      '<p>\u0085 é</p>',
    ]) {
      expect(asciiTemplateHtml(source)).toBe(source);
    }
    expect(asciiTemplateHtml('<style>p{}</style><p>é</p>')).toBe('<style>p{}</style><p>&#233;</p>');
  });
});
