import fc from 'fast-check';
import { compactHtml } from './compact-html.js';
import { escapeExpression } from './escape-html.js';
import { compileFastTemplate } from './fast-template.js';
import { HTML_OPTIONS, PLAIN_OPTIONS, SEND_HELPERS, prepareReferenceTemplate, prepareTemplate, renderEngine } from './render-cache.js';
import { renderEmail, type RenderContext } from './renderer.js';
import { compileTemplate, type CompiledTemplate } from './template-compiler.js';
import { loadTemplateLibrary } from './template-loader.js';
import { withRenderScope } from './render-scope.js';
import { TRACKING_BLOCKS, TRACKING_CALLS, TrackingState, decodeEntities } from './link-tracking.js';
import { TRACKING_BLOCK_COMPILERS } from './tracked-link-blocks.js';
import { tidyText } from './text-tidy.js';

/** What a render gives: its output, or the message it failed with. */
function outcome(render: () => string): { ok: string } | { error: string } {
  try {
    return { ok: render() };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

function bothWays(source: string, data: unknown, escape: boolean) {
  const fast = compileFastTemplate(renderEngine, source, { escape, knownHelpers: SEND_HELPERS });
  const reference = renderEngine.compile(source, escape ? HTML_OPTIONS : PLAIN_OPTIONS);
  const scope = { root: (data ?? {}) as Record<string, unknown>, tracking: null };
  return {
    fast,
    got: fast && withRenderScope(scope, () => outcome(() => fast(data))),
    want: withRenderScope(scope, () => outcome(() => reference(data))),
  };
}

// ---- random templates of the subset sends use, and random lead-like data ----

const text = fc.constantFrom('x', 'Hallo ', ' ', '\n', '\n\n', '  \n', '\t', '\n \n', '&amp;', '<b>', '"q"', 'é’', '=', '{ x }');
const path = fc.constantFrom('a', 'b', 'firstName', 'company', 'obj.x', 'obj.y.z', 'list', 'list.length', 'this', './a', 'this.obj.x', 'missing.deep');
const literal = fc.constantFrom('"x"', '"daar"', '"<&>"', '1', '0', 'true', 'false', 'null', 'undefined', '"food"');
const arg = fc.oneof(
  { weight: 3, arbitrary: path },
  { weight: 2, arbitrary: literal },
  { weight: 1, arbitrary: fc.tuple(path, literal).map(([p, l]) => `(ifEq ${p} ${l})`) },
  { weight: 1, arbitrary: fc.tuple(path, path).map(([p, q]) => `(fallback ${p} ${q})`) },
);
const mustache = fc.oneof(
  path.map((p) => `{{${p}}}`),
  path.map((p) => `{{{${p}}}}`),
  path.map((p) => `{{~${p}~}}`),
  path.map((p) => `{{& ${p}}}`),
  fc.array(arg, { minLength: 1, maxLength: 3 }).map((args) => `{{fallback ${args.join(' ')}}}`),
  arg.map((a) => `{{upper ${a}}}`),
  arg.map((a) => `{{lower ${a}}}`),
  fc.tuple(path, literal).map(([p, l]) => `{{lookup ${p} ${l}}}`),
  fc.constantFrom('{{! a comment }}', '{{!-- {{not}} --}}', '{{formatDate "2026-03-10T14:00:00Z" "long"}}', '{{formatDate attributes.webinarAt "short" zone="UTC"}}'),
);

const template: fc.Arbitrary<string> = fc.letrec<{ body: string }>((tie) => {
  const body = tie('body');
  const line = (open: string, inner: string, close: string, standalone: boolean) =>
    standalone ? `\n${open}\n${inner}\n${close}\n` : `${open}${inner}${close}`;
  const block = fc.oneof(
    fc.tuple(arg, body, body, fc.boolean()).map(([c, t, e, s]) => line(`{{#if ${c}}}`, `${t}{{else}}${e}`, '{{/if}}', s)),
    fc.tuple(arg, body, fc.boolean()).map(([c, t, s]) => line(`{{#unless ${c}}}`, t, '{{/unless}}', s)),
    fc.tuple(path, body, fc.boolean()).map(([c, t, s]) => line(`{{^if ${c}}}`, t, '{{/if}}', s)),
    fc.tuple(path, path, body, body, body).map(([c, d, t, u, e]) => `{{#if ${c}}}${t}{{else if ${d}}}${u}{{else}}${e}{{/if}}`),
    fc.tuple(path, body, body).map(([c, t, e]) => `{{#each ${c}}}${t}{{else}}${e}{{/each}}`),
    fc.tuple(path, body).map(([c, t]) => `{{#with ${c}}}${t}{{/with}}`),
    fc.tuple(path, literal, body, fc.boolean()).map(([c, l, t, s]) => line(`{{#ifEq ${c} ${l}}}`, t, '{{/ifEq}}', s)),
    fc.tuple(path, body).map(([c, t]) => `{{#ifIn ${c} "food" "retail"}}${t}{{/ifIn}}`),
    fc.tuple(body, body, fc.boolean()).map(([t, e, s]) => line('{{#ifStage "lead" "mql"}}', `${t}{{else}}${e}`, '{{/ifStage}}', s)),
    fc.tuple(arg, body).map(([u, t]) => `{{#__partial url=${u} label="L"}}{{url}}|{{label}}|${t}{{/__partial}}`),
    fc.tuple(path, body).map(([c, t]) => `{{~#if ${c}~}} ${t} {{~/if~}}`),
  );
  return {
    body: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.array(fc.oneof(text, mustache), { maxLength: 4 }).map((parts) => parts.join('')),
      fc.array(fc.oneof({ weight: 3, arbitrary: text }, { weight: 3, arbitrary: mustache }, { weight: 2, arbitrary: block }), { maxLength: 5 }).map((parts) => parts.join('')),
    ),
  };
}).body;

const scalar = fc.oneof(
  fc.constantFrom('', ' ', 'An', 'food', 'x', '<b>&"\'`=</b>', 'a\n\n\nb', '\n \n', '  padded  ', 'lead', 'mql', '0'),
  fc.string({ maxLength: 6 }),
  fc.integer({ min: -3, max: 12 }),
  fc.constantFrom(0, 1.5, Number.NaN, true, false, null),
);
const value: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.record({ x: scalar, y: fc.record({ z: scalar }) }, { requiredKeys: [] }) },
);
const data = fc.record(
  {
    a: value,
    b: value,
    firstName: value,
    company: value,
    obj: fc.oneof(value, fc.record({ x: scalar, y: fc.oneof(scalar, fc.record({ z: scalar })) })),
    list: fc.oneof(fc.array(fc.oneof(scalar, fc.record({ a: scalar, x: scalar })), { maxLength: 3 }), value),
    stage: fc.constantFrom('lead', 'mql', 'customer', null),
    locale: fc.constantFrom('nl-BE', 'fr', 'en', 'xx-invalid-', undefined),
    attributes: fc.record({ webinarAt: fc.constantFrom('2026-03-10T14:00:00Z', 'not a date', 12) }),
  },
  { requiredKeys: [] },
);

describe('the fast template evaluator', () => {
  it('leaves a hash key given the literal undefined out of the hash, as Handlebars does (found by the property below)', () => {
    const source = '{{#__partial url=a label="L"}}{{url}}|{{label}}|{{#__partial url=undefined label="L"}}{{url}}|{{label}}|{{/__partial}}{{/__partial}}';
    const { fast, got, want } = bothWays(source, { a: 'A' }, false);
    expect(fast).not.toBeNull();
    expect(want).toEqual({ ok: 'A|L|A|L|' });
    expect(got).toEqual(want);
  });

  it('renders exactly what Handlebars renders, HTML-escaped or as plain text, errors included', () => {
    fc.assert(
      fc.property(template, data, fc.boolean(), (source, d, escape) => {
        const { fast, got, want } = bothWays(source, d, escape);
        expect(fast).not.toBeNull(); // everything generated is in the supported subset
        expect(got).toEqual(want);
      }),
      { numRuns: 1500 },
    );
  });

  it('calls the tracking helpers directly and still renders and tracks exactly what Handlebars does (property)', () => {
    const href = fc.oneof(
      fc.constantFrom(' https://x.example/a?b=1&amp;c=2 ', 'mailto:a@example.be', 'https://track.example.be/u/UNSUB', '&#104;ttps://x', 'https://x/&amp'),
      fc.tuple(fc.constantFrom('https://x.example/', ' http://y/', '', 'https://x/&am', 'http://x/&#3', ' \n', 'HTTPS://Z/&amp;'), path, fc.constantFrom('', '?s=1&amp;t=2', 'p;', ' ', '3;x', '&', '/{{b}}/&lt;')).map(([a, p, b]) => `${a}{{${p}}}${b}`),
      fc.tuple(path, path).map(([p, q]) => `https://x/{{#if ${p}}}{{${q}}}{{/if}}/{{{${q}}}}`),
    );
    // Values that could complete an entity begun in the static text around them, or be a whole URL.
    const linkValue = fc.constantFrom('p;x', '8;', ';', 'https://v/', ' ', 'q&r', 'https://track.example.be/u/UNSUB', 'a<b', 7);
    const linkData = fc.tuple(data, fc.record({ a: linkValue, b: linkValue, firstName: linkValue }, { requiredKeys: [] })).map(([d, l]) => ({ ...(d as object), ...l }));
    const piece = fc.oneof(
      href.map((h) => `<a href="{{#__href}}${h}{{/__href}}">x</a>`),
      href.map((h) => `[{{#__textHref}}${h}{{/__textHref}}]`),
      fc.constantFrom('{{__link 0}}', '{{__link 1}}', '{{__link 7}}', '{{__textLink 1}}', '{{{__link 0}}}', '{{#if a}}{{__textLink 0}}{{/if}}', '{{#with obj}}{{#__href}}https://z/{{x}}{{/__href}}{{/with}}'),
      text,
    );
    const staticLinks = ['https://s.example/?a=1&b=<2>', 'https://track.example.be/u/UNSUB'];
    const render = (f: (d: unknown) => string, d: Record<string, unknown>) => {
      const tracking = new TrackingState((url, i) => `https://t.example/c/${i}?u=${url.length}&v="1"`, '', 'https://track.example.be/u/UNSUB', staticLinks);
      return { ...withRenderScope({ root: d, tracking }, () => outcome(() => f(d))), links: tracking.links };
    };
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 6 }), linkData, fc.boolean(), fc.boolean(), (pieces, d, escape, compiled) => {
        const source = pieces.join('');
        const blockCompilers = compiled ? TRACKING_BLOCK_COMPILERS : undefined;
        const options = { escape, knownHelpers: SEND_HELPERS, directCalls: TRACKING_CALLS, directBlocks: TRACKING_BLOCKS, blockCompilers };
        const fast = compileFastTemplate(renderEngine, source, options);
        expect(fast).not.toBeNull();
        const reference = renderEngine.compile(source, escape ? HTML_OPTIONS : PLAIN_OPTIONS);
        const root = d as Record<string, unknown>;
        expect(render(fast!, root)).toEqual(render(reference, root));
      }),
      { numRuns: 1500 },
    );
  });

  it('escapes the URL of a {{__link n}} exactly once, tracked or not, as Handlebars does (property)', () => {
    const url = fc
      .tuple(fc.constantFrom('https://x.be/a', 'http://y/', 'HTTPS://z/'), fc.array(fc.constantFrom('?', '&', '=', 'b', '1', '"', '<', "'", '`', '&amp;', '#'), { maxLength: 8 }))
      .map(([start, rest]) => start + rest.join(''));
    const source = '<p><a href="{{__link 0}}">a</a> <a class="b" href="{{__link 1}}">b</a> <a href="{{__link 0}}">c</a></p>';
    const fast = compileFastTemplate(renderEngine, source, { escape: true, knownHelpers: SEND_HELPERS, directCalls: TRACKING_CALLS, directBlocks: TRACKING_BLOCKS });
    const reference = renderEngine.compile(source, HTML_OPTIONS);
    expect(fast).not.toBeNull();
    fc.assert(
      fc.property(fc.tuple(url, url), fc.boolean(), (staticLinks, tracked) => {
        const rewrite = tracked ? (u: string, i: number) => `https://t.example/c/${i}?n=${u.length}&x="1"` : (u: string) => u;
        const render = (f: (d: unknown) => string) => {
          const tracking = new TrackingState(rewrite, '', undefined, staticLinks);
          return withRenderScope({ root: {}, tracking }, () => f({}));
        };
        const html = render(fast!);
        expect(html).toBe(render(reference));
        const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
        const want = [rewrite(staticLinks[0], 0), rewrite(staticLinks[1], 1), rewrite(staticLinks[0], 2)];
        expect(hrefs).toEqual(want.map(escapeExpression));
        expect(hrefs.map(decodeEntities)).toEqual(want);
      }),
      { numRuns: 500 },
    );
  });

  it('follows Handlebars where a program is a sum: {{a}}{{b}} of two numbers adds them', () => {
    for (const escape of [false, true]) {
      const { got, want } = bothWays('{{#if a}}{{a}}{{b}}{{/if}}|{{a}}{{b}}', { a: 1, b: 2 }, escape);
      expect(got).toEqual(want);
    }
    expect(bothWays('{{#if a}}{{a}}{{b}}{{/if}}', { a: 1, b: 2 }, false).got).toEqual({ ok: '3' });
  });

  it('escapes lead data in HTML, keeps {{{triple}}} raw and never escapes plain text', () => {
    const d = { company: '<Peeters & Zonen>' };
    expect(bothWays('{{company}}|{{{company}}}', d, true).got).toEqual({ ok: '&lt;Peeters &amp; Zonen&gt;|<Peeters & Zonen>' });
    expect(bothWays('{{company}}', d, false).got).toEqual({ ok: '<Peeters & Zonen>' });
  });

  it('reads own properties only, as Handlebars does by default', () => {
    const { got, want } = bothWays('{{a.constructor}}|{{a.toString}}|{{a.__proto__}}|{{b.length}}|{{list.length}}', { a: {}, b: 'abc', list: [1, 2] }, true);
    expect(got).toEqual(want);
    expect(got).toEqual({ ok: '|||3|2' });
  });

  it('leaves what it does not cover to Handlebars', () => {
    const unsupported = [
      '{{#each list}}{{@index}}{{/each}}',
      '{{#with obj}}{{../a}}{{/with}}',
      '{{> partial}}',
      '{{#obj}}section{{/obj}}',
      '{{#each list as |item|}}{{item}}{{/each}}',
      '{{unknownHelper a}}',
      '{{helperMissing}}',
      '{{"literal"}}',
      '{{@root.a}}',
      '{{#if a}}unclosed',
    ];
    for (const source of unsupported) {
      expect(compileFastTemplate(renderEngine, source, { escape: true, knownHelpers: SEND_HELPERS })).toBeNull();
    }
  });

  it('renders the plain-text part tidied exactly as tidyText tidies Handlebars output', () => {
    fc.assert(
      fc.property(template, data, (source, d) => {
        const fast = compileFastTemplate(renderEngine, source, { escape: false, knownHelpers: SEND_HELPERS, tidyText: true })!;
        const reference = renderEngine.compile(source, PLAIN_OPTIONS);
        const scope = { root: d as Record<string, unknown>, tracking: null };
        const got = withRenderScope(scope, () => outcome(() => fast(d)));
        const want = withRenderScope(scope, () => outcome(() => tidyText(reference(d))));
        expect(got).toEqual(want);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('sends of real templates', () => {
  const LOCALES = ['nl', 'en', 'fr'];
  const templates: { name: string; compiled: CompiledTemplate }[] = [];

  beforeAll(async () => {
    const library = await loadTemplateLibrary();
    for (const [name, starter] of Object.entries(library.starters)) {
      for (const locale of LOCALES) {
        const compiled = await compileTemplate(starter.variants[locale], { layout: library.layouts[locale], partials: library.partials });
        templates.push({ name: `${name}/${locale}`, compiled }, { name: `${name}/${locale} compact`, compiled: { ...compiled, html: compactHtml(compiled.html) } });
      }
    }
    const section = (i: number) => `
<mj-section><mj-column><mj-text>
  <h2>Stap ${i} voor {{fallback company "je bedrijf"}}</h2>
  <p>{{#if firstName}}{{firstName}}, {{/if}}tekst &amp; uitleg over stap ${i}.</p>
  <p>Lees <a href="https://example.be/blog/{{attributes.industry}}/stap-${i}?utm_source=nurture&amp;utm_medium=email">het artikel</a>
  of <a href="https://example.be/static/${i % 3}">de gids</a>. Mail <a href="mailto:hallo@example.be">ons</a>.</p>
  {{#ifStage "mql" "sql"}}<p>Je accountmanager neemt contact op.</p>{{/ifStage}}
  <p>Webinar: {{formatDate attributes.webinarAt "long"}}</p>
</mj-text>
<mj-button href="{{sender.bookingUrl}}?step=${i}">Plan stap ${i}</mj-button></mj-column></mj-section>`;
    const large = await compileTemplate(
      { subject: 'Tien stappen, {{fallback firstName "welkom"}}', mjml: Array.from({ length: 10 }, (_, i) => section(i + 1)).join('\n') },
      { layout: library.layouts.nl, partials: library.partials },
    );
    templates.push({ name: 'ten sections', compiled: large });
  }, 60_000);

  const text = fc.oneof(fc.constantFrom('An', 'Bakkerij <Peeters> & Zonen', 'a\n\n\nb', ' ', '', 'https://x.example/?a=1&b=2'), fc.string({ maxLength: 8 }));
  const optional = fc.option(text, { nil: null });
  const lead = fc.record({
    firstName: optional,
    lastName: optional,
    company: optional,
    email: fc.constant('an@example.be'),
    locale: fc.constantFrom('nl-BE', 'en', 'fr-BE', null),
    timezone: fc.constantFrom('Europe/Brussels', 'UTC', 'Not/AZone'),
    stage: fc.constantFrom('lead', 'mql', 'sql', 'recycled', null),
    attributes: fc.record({ industry: fc.oneof(fc.constantFrom('food', 'retail', 'construction'), text), webinarAt: fc.constantFrom('2026-03-10T14:00:00Z', 'x') }, { requiredKeys: [] }),
    sender: fc.record({
      name: text,
      address: optional,
      website: fc.constantFrom('https://studio-noord.example.be', 'mailto:x@example.be'),
      bookingUrl: fc.oneof(fc.constant(undefined), fc.constantFrom('https://studio-noord.example.be/afspraak', 'https://studio-noord.example.be/afspraak?wie=An&wat=gesprek', 'https://track.example.be/u/UNSUB')),
      signature: optional,
    }, { requiredKeys: ['name'] }),
    unsubscribeUrl: fc.constant('https://track.example.be/u/UNSUB'),
  });
  const clickUrlOf = (url: string, i: number) => `https://track.example.be/t/c/T.${i}?n=${url.length}&x=1`;
  const tracking = (): RenderContext => ({ rewriteLink: clickUrlOf, openPixelUrl: 'https://track.example.be/t/o/O' });
  // A click URL prefix with characters HTML escaping changes, so escaping it once per send is put to the test.
  const CLICK_PREFIX = 'https://track.example.be/t/c/P&"=x.';
  const withPrefix = (): RenderContext => ({ rewriteLink: (_url, i) => `${CLICK_PREFIX}${i}`, clickUrlPrefix: CLICK_PREFIX, openPixelUrl: 'https://track.example.be/t/o/O' });

  it('all parts of every starter and of a large template render with the fast evaluator', () => {
    expect(templates.length).toBe(4 * 3 * 2 + 1); // each starter in each language, also compacted, and the large one
    for (const { name, compiled } of templates) expect({ name, fast: prepareTemplate(compiled).fast }).toEqual({ name, fast: { subject: true, html: true, text: true } });
  });

  it('render exactly what Handlebars renders: subject, HTML, text and tracked links', () => {
    const prepared = templates.map(({ compiled }) => ({ fast: prepareTemplate(compiled), reference: prepareReferenceTemplate(compiled) }));
    fc.assert(
      fc.property(fc.nat(prepared.length - 1), lead, fc.boolean(), fc.boolean(), (i, data, tracked, prefixed) => {
        const ctx = !tracked ? { rewriteLink: (url: string) => url, openPixelUrl: '' } : prefixed ? withPrefix() : tracking();
        const clickUrl = prefixed ? (_url: string, index: number) => `${CLICK_PREFIX}${index}` : clickUrlOf;
        const rendered = renderEmail(prepared[i].fast, data, ctx);
        expect(rendered).toEqual(renderEmail(prepared[i].reference, data, ctx));
        // The prefix is only a shortcut: the same as asking rewriteLink for every link.
        if (tracked && prefixed) expect(rendered).toEqual(renderEmail(prepared[i].fast, data, { ...ctx, clickUrlPrefix: undefined }));
        // Every tracked link's href is its URL (tracked or, in a preview, the original) escaped exactly once.
        const hrefs = new Set([...rendered.html.matchAll(/<a\s[^>]*?href="([^"]*)"/g)].map((m) => m[1]));
        for (const { index, url } of rendered.links) {
          const want = tracked ? clickUrl(url, index) : url;
          if (rendered.text.includes(want) && !hrefs.has(escapeExpression(want))) continue; // a link of the text part only
          expect(hrefs).toContain(escapeExpression(want));
        }
        for (const href of hrefs) expect(decodeEntities(href)).not.toMatch(/&(amp|#x3D|quot);/);
      }),
      { numRuns: 400 },
    );
  });
});

