import fc from 'fast-check';
import { LINEAR_SEARCH_LINKS, TrackingState, decodeEntities, isTrackableHref, markTrackedLinks } from './link-tracking.js';

describe('link tracking', () => {
  it('tracks static http(s) links and links computed by Handlebars, nothing else', () => {
    expect(isTrackableHref('https://example.be')).toBe(true);
    expect(isTrackableHref('HTTP://example.be')).toBe(true);
    expect(isTrackableHref('{{sender.website}}')).toBe(true);
    expect(isTrackableHref('mailto:info@example.be')).toBe(false);
    expect(isTrackableHref('tel:+32123')).toBe(false);
    expect(isTrackableHref('#top')).toBe(false);
    expect(isTrackableHref('{{unsubscribeUrl}}')).toBe(false);
    expect(isTrackableHref('{{~ unsubscribeUrl ~}}')).toBe(false);
  });

  it('marks hrefs once per template version, whatever the quoting and attribute order', () => {
    const html =
      '<a class="x" href="https://a.example/?q=1&amp;r=2">a</a> <A\n  HREF=\'https://b.example\' target=_blank>b</A> ' +
      '<a href={{url}}>c</a> <a title="{{fallback x "y > z"}}" href="{{fallback site "https://c.example"}}">d</a> ' +
      '<abbr href="https://not-a-link.example">e</abbr> <a href="mailto:x@example.be">f</a><a name="top"></a>';
    const marked = markTrackedLinks(`<html><body>${html}</body></html>`, null);
    expect(marked.staticLinks).toEqual(['https://a.example/?q=1&r=2', 'https://b.example']);
    expect(marked.html).toContain('<a class="x" href="{{__link 0}}">a</a>');
    expect(marked.html).toContain("HREF='{{__link 1}}'");
    expect(marked.html).toContain('<a href={{#__href}}{{url}}{{/__href}}>c</a>');
    expect(marked.html).toContain('href="{{#__href}}{{fallback site "https://c.example"}}{{/__href}}">d</a>');
    expect(marked.html).toContain('<abbr href="https://not-a-link.example">');
    expect(marked.html).toContain('href="mailto:x@example.be"');
    expect(marked.html).toMatch(/\{\{__openPixel\}\}<\/body><\/html>$/);
  });

  it('gives a static link in the text part the same number as in the HTML part', () => {
    const marked = markTrackedLinks(
      '<a href="https://a.example">a</a>',
      'a [{{#__textHref}}https://a.example{{/__textHref}}] b [{{#__textHref}}{{url}}{{/__textHref}}]',
    );
    expect(marked.text).toBe('a [{{__textLink 0}}] b [{{#__textHref}}{{url}}{{/__textHref}}]');
  });

  it('gives the same result when run again (no state leaks between template versions)', () => {
    const html = '<p><a href="https://x.example">x</a> <a href="https://y.example">y</a></p>';
    expect(markTrackedLinks(html, null)).toEqual(markTrackedLinks(html, null));
    expect(markTrackedLinks(html, null).staticLinks).toHaveLength(2);
  });

  it('decodes what HTML escaping did to a URL', () => {
    expect(decodeEntities('https://x.example/?a&#x3D;1&amp;b&#61;2&quot;')).toBe('https://x.example/?a=1&b=2"');
    expect(decodeEntities('plain')).toBe('plain');
    expect(decodeEntities('https://x.example/?a=1&amp;b=2&amp;c=3')).toBe('https://x.example/?a=1&b=2&c=3');
    expect(decodeEntities('&amp;lt; &AMP; &amp;amp;')).toBe('&lt; & &amp;');
  });

  it('decodes the same on its fast path (only &amp;) as on the general one (property)', () => {
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    const reference = (text: string) =>
      text.replace(/&(?:#(\d+)|#x([0-9a-f]+)|(amp|lt|gt|quot|apos));/gi, (entity, decimal?: string, hex?: string, name?: string) => {
        if (name) return named[name.toLowerCase()];
        const code = decimal ? parseInt(decimal, 10) : parseInt(hex!, 16);
        return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : entity;
      });
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', '/', '&amp;', '&', 'amp;', '&AMP;', '&lt;', '&#61;', '&#x3D;', '&am'), { maxLength: 30 }), (pieces) => {
        const text = pieces.join('');
        expect(decodeEntities(text)).toBe(reference(text));
      }),
    );
  });

  it('finds the first tracked link to a URL for the text part, by comparison or (past many links) by map (property)', () => {
    /** What TrackingState did with a map from the first link: the model the state must follow. */
    class Model {
      readonly links: { index: number; url: string }[] = [];
      private readonly byUrl = new Map<string, string>();
      constructor(private readonly rewrite: (url: string, index: number) => string) {}
      track(url: string): string | null {
        if (!/^https?:\/\//i.test(url) || url === UNSUB) return null;
        const index = this.links.length;
        this.links.push({ index, url });
        const tracked = this.rewrite(url, index);
        if (this.byUrl.get(url) === undefined) this.byUrl.set(url, tracked);
        return tracked;
      }
      trackAgain(url: string): string | null {
        return this.byUrl.get(url) ?? this.track(url);
      }
    }
    const UNSUB = 'https://t.example/u/U';
    const url = fc.oneof(
      fc.constantFrom('https://a.example/1', 'https://a.example/2', 'http://b.example/x', 'HTTPS://a.example/1', UNSUB, 'mailto:x@y', 'https://a.example/10'),
      fc.nat(3 * LINEAR_SEARCH_LINKS).map((n) => `https://c.example/${n}`),
    );
    const op = fc.tuple(fc.boolean(), url);
    fc.assert(
      fc.property(fc.array(op, { maxLength: 3 * LINEAR_SEARCH_LINKS, size: 'max' }), (ops) => {
        const rewrite = (u: string, i: number) => `https://t.example/c/${i}/${u.length}`;
        const state = new TrackingState(rewrite, '', UNSUB, []);
        const model = new Model(rewrite);
        for (const [again, u] of ops) expect(again ? state.trackAgain(u) : state.track(u)).toBe(again ? model.trackAgain(u) : model.track(u));
        expect(state.links).toEqual(model.links);
      }),
      { numRuns: 500 },
    );
  });
});
