import type Handlebars from 'handlebars';
import { escapeExpression } from './escape-html.js';
import type { TemplateEngine } from './helpers.js';
import { currentRenderScope } from './render-scope.js';

/** A link as it was in the email before rewriting; `index` is what the click token carries. */
export interface TrackedLink {
  index: number;
  url: string;
}

/** Per-render link tracking state, which the tracking helpers find in the render scope. */
export class TrackingState {
  readonly links: TrackedLink[] = [];
  /** `rewriteLink`'s answer for each of {@link links}. */
  private readonly trackedUrls: string[] = [];
  /** The first tracked link by URL; built only once a send has many links (see {@link firstTracked}). */
  private byUrl: Map<string, string> | null = null;
  /** {@link clickUrlPrefix} HTML-escaped, made on the send's first link. */
  private escapedPrefix: string | null = null;

  constructor(
    private readonly rewriteLink: (url: string, index: number) => string,
    readonly openPixelUrl: string,
    private readonly unsubscribeUrl: string | undefined,
    /** The template's static link targets, which `{{__link n}}` refers to by position. */
    readonly staticLinks: readonly string[],
    /** When not null, every tracked URL is this followed by the link's index (see RenderContext). */
    private readonly clickUrlPrefix: string | null = null,
  ) {}

  /** The tracked replacement for `url`, or null when the link is not tracked (mailto:, #, unsubscribe). */
  track(url: string): string | null {
    return HTTP_URL.test(url) ? this.trackHttp(url) : null;
  }

  /** {@link track} for a URL known to start with http:// or https://. */
  trackHttp(url: string): string | null {
    if (url === this.unsubscribeUrl) return null;
    const index = this.links.length;
    if (index >= MAX_TRACKED_LINKS) return null; // kept as written: a click token's index must stay below the honeypot's
    this.links.push({ index, url });
    const tracked = this.clickUrlPrefix !== null ? this.clickUrlPrefix + index : this.rewriteLink(url, index);
    this.trackedUrls.push(tracked);
    if (this.byUrl !== null && this.byUrl.get(url) === undefined) this.byUrl.set(url, tracked);
    return tracked;
  }

  /**
   * {@link trackHttp}'s answer HTML-escaped, for an href. With a click URL prefix, the prefix is escaped once
   * per send and the index (digits, which escaping leaves alone) appended, instead of escaping every URL.
   */
  trackHttpEscaped(url: string): string | null {
    const tracked = this.trackHttp(url);
    if (tracked === null) return null;
    if (this.clickUrlPrefix === null) return escapeExpression(tracked);
    if (this.escapedPrefix === null) this.escapedPrefix = escapeExpression(this.clickUrlPrefix);
    return this.escapedPrefix + (this.links.length - 1);
  }

  /** {@link track}'s answer HTML-escaped (see {@link trackHttpEscaped}). */
  trackEscaped(url: string): string | null {
    return HTTP_URL.test(url) ? this.trackHttpEscaped(url) : null;
  }

  /** The text part reuses the HTML's tracked link for the same URL, so both count as the same click. */
  trackAgain(url: string): string | null {
    return this.firstTracked(url) ?? this.track(url);
  }

  /**
   * The tracked form of the first link to `url`. A send has a few dozen links at most, and comparing URLs
   * (most differ in length) is cheaper than hashing each one into a map; past that the map is built.
   */
  private firstTracked(url: string): string | undefined {
    const { links, trackedUrls } = this;
    if (this.byUrl === null) {
      if (links.length <= LINEAR_SEARCH_LINKS) {
        for (let i = 0; i < links.length; i++) if (trackedUrls[i] !== undefined && links[i].url === url) return trackedUrls[i];
        return undefined;
      }
      const byUrl = new Map<string, string>();
      for (let i = 0; i < links.length; i++) if (byUrl.get(links[i].url) === undefined) byUrl.set(links[i].url, trackedUrls[i]);
      this.byUrl = byUrl;
    }
    return this.byUrl.get(url);
  }
}

/**
 * The most links one send tracks; links after it keep their own URL (they work, their clicks are not
 * counted), as ESPs do. A click token carries the index in 16 bits and 65535 is the honeypot's
 * (HONEYPOT_LINK_INDEX): without a cap, link 65,535 would count as a scanner's click and later links would
 * 404. A real email has a few dozen links.
 */
export const MAX_TRACKED_LINKS = 1000;

/** Up to this many links in a send, the text part finds the HTML's tracked link by comparing URLs. */
export const LINEAR_SEARCH_LINKS = 32;

export const LINK_HELPER = '__link';
export const HREF_HELPER = '__href';
export const TEXT_LINK_HELPER = '__textLink';
export const TEXT_HREF_HELPER = '__textHref';
export const OPEN_PIXEL_HELPER = '__openPixel';
export const TRACKING_HELPERS = [LINK_HELPER, HREF_HELPER, TEXT_LINK_HELPER, TEXT_HREF_HELPER, OPEN_PIXEL_HELPER];

/** A template's HTML and text with their links marked for tracking, and the static link targets they refer to. */
export interface MarkedTemplate {
  html: string;
  text: string | null;
  staticLinks: string[];
}

const HTTP_URL = /^https?:\/\//i;
const UNSUBSCRIBE_EXPRESSION = /^\{\{~?\s*unsubscribeUrl\s*~?\}\}$/;
const ANCHOR_START = /<a\s/gi;

/**
 * Whether an `href` (as written in the template) is tracked: static http(s) links and links computed by
 * Handlebars (checked again per send), but not mailto:, tel:, `#` anchors or the unsubscribe link.
 */
export function isTrackableHref(value: string): boolean {
  const href = value.trim();
  if (UNSUBSCRIBE_EXPRESSION.test(href)) return false;
  return HTTP_URL.test(href) || href.startsWith('{{');
}

/**
 * Prepares a template version for tracked sends, once per version. Every trackable `<a href="…">` in the
 * HTML becomes `{{__link n}}` (a static URL, kept in `staticLinks`) or `{{#__href}}…{{/__href}}` (a URL
 * computed by Handlebars), and the open pixel goes before `</body>`. In the text part, static targets marked
 * by the compiler become `{{__textLink n}}`. Per send, Handlebars rewrites links in the same pass that fills
 * in the data; no HTML is re-parsed.
 */
export function markTrackedLinks(html: string, text: string | null): MarkedTemplate {
  const staticLinks: string[] = [];
  const linkNumber = (url: string) => {
    const known = staticLinks.indexOf(url);
    return known !== -1 ? known : staticLinks.push(url) - 1;
  };
  const parts: string[] = [];
  let copied = 0;
  const anchors = new RegExp(ANCHOR_START); // own lastIndex: the scan skips each tag it has read
  for (let match = anchors.exec(html); match; match = anchors.exec(html)) {
    anchors.lastIndex = scanAttributes(html, match.index + match[0].length, (name, start, stop) => {
      const value = html.slice(start, stop);
      if (name.toLowerCase() !== 'href' || !isTrackableHref(value)) return;
      const marked = value.includes('{{')
        ? `{{#${HREF_HELPER}}}${value}{{/${HREF_HELPER}}}`
        : `{{${LINK_HELPER} ${linkNumber(decodeEntities(value.trim()))}}}`;
      parts.push(html.slice(copied, start), marked);
      copied = stop;
    });
  }
  parts.push(html.slice(copied));
  const marked = parts.join('');
  const bodyEnd = marked.toLowerCase().lastIndexOf('</body>');
  const pixel = `{{${OPEN_PIXEL_HELPER}}}`;
  return {
    html: bodyEnd === -1 ? marked + pixel : marked.slice(0, bodyEnd) + pixel + marked.slice(bodyEnd),
    text: text?.replace(STATIC_TEXT_HREF, (_, url: string) => `{{${TEXT_LINK_HELPER} ${linkNumber(url.trim())}}}`) ?? null,
    staticLinks,
  };
}

/** How the compiler marks a link target in the text part (see text-template.ts). */
export function markTextHref(href: string): string {
  return `{{#${TEXT_HREF_HELPER}}}${href}{{/${TEXT_HREF_HELPER}}}`;
}

const STATIC_TEXT_HREF = new RegExp(`\\{\\{#${TEXT_HREF_HELPER}\\}\\}([^{]*)\\{\\{/${TEXT_HREF_HELPER}\\}\\}`, 'g');

/** Registers the helpers that {@link markTrackedLinks} writes; they act on the current render scope. */
export function registerTrackingHelpers(hb: TemplateEngine): void {
  const escape = escapeExpression; // Handlebars' own, only faster
  hb.registerHelper(LINK_HELPER, (n: number) => trackStaticLink(n));
  hb.registerHelper(TEXT_LINK_HELPER, (n: number) => trackStaticTextLink(n));
  hb.registerHelper(HREF_HELPER, function (this: unknown, options: Handlebars.HelperOptions) {
    return trackComputedLink(options.fn(this));
  });
  hb.registerHelper(TEXT_HREF_HELPER, function (this: unknown, options: Handlebars.HelperOptions) {
    return trackComputedTextLink(options.fn(this));
  });
  hb.registerHelper(OPEN_PIXEL_HELPER, () => {
    const url = trackingState()?.openPixelUrl;
    if (!url) return '';
    return new hb.SafeString(
      `<img src="${escape(url)}" width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0;" />`,
    );
  });
}

/*
 * What the tracking helpers do, as plain functions of the one value they use (a `{{__link n}}`'s number, or
 * what a `{{#__href}}…{{/__href}}` block rendered). The fast evaluator calls these directly, without the
 * options object and `this` of a helper call (see TRACKING_CALLS and TRACKING_BLOCKS).
 */

/**
 * `{{__link n}}`: the tracked form of the n-th static link, not escaped: {@link markTrackedLinks} writes it as
 * an escaped mustache, which escapes it (once). Escaping here as well turned `&` in a query into `&amp;amp;`
 * (previews, whose "tracked" URL is the original one).
 */
export function trackStaticLink(n: number): string {
  const state = trackingState();
  const url = state?.staticLinks[n] ?? '';
  return state?.track(url) ?? url;
}

/** `{{__textLink n}}`: the n-th static link in the text part, as the HTML part tracked it. */
export function trackStaticTextLink(n: number): string {
  const state = trackingState();
  const url = state?.staticLinks[n] ?? '';
  return state?.trackAgain(url) ?? url;
}

/** `{{#__href}}…{{/__href}}`: a computed href (as rendered, HTML-escaped), tracked when it is an http(s) link. */
export function trackComputedLink(rendered: unknown): unknown {
  const raw = rendered as string;
  return trackingState()?.trackEscaped(decodeEntities(raw).trim()) ?? raw;
}

/** `{{#__textHref}}…{{/__textHref}}`: a computed link in the text part, as the HTML part tracked it. */
export function trackComputedTextLink(rendered: unknown): unknown {
  const raw = rendered as string;
  return trackingState()?.trackAgain(raw.trim()) ?? raw;
}

/** Tracking helpers called with one literal argument, for the fast evaluator. */
export const TRACKING_CALLS: ReadonlyMap<string, (argument: never) => unknown> = new Map<string, (argument: never) => unknown>([
  [LINK_HELPER, trackStaticLink],
  [TEXT_LINK_HELPER, trackStaticTextLink],
]);
/** Tracking block helpers that only use what their block rendered, for the fast evaluator. */
export const TRACKING_BLOCKS: ReadonlyMap<string, (rendered: unknown) => unknown> = new Map([
  [HREF_HELPER, trackComputedLink],
  [TEXT_HREF_HELPER, trackComputedTextLink],
]);

function trackingState(): TrackingState | undefined {
  return currentRenderScope()?.tracking ?? undefined;
}

/**
 * Walks the attributes of a tag from `at` (just after the tag name) to its closing `>`, calling `onValue`
 * with each attribute's name and value range. Handlebars expressions inside values may contain quotes.
 * Returns the offset after the tag.
 */
function scanAttributes(html: string, at: number, onValue: (name: string, start: number, end: number) => void): number {
  let i = at;
  const n = html.length;
  while (i < n) {
    while (i < n && /\s/.test(html[i])) i++;
    if (i >= n || html[i] === '>') return i + 1;
    if (html[i] === '/' && html[i + 1] === '>') return i + 2;
    const nameStart = i;
    while (i < n && !/[\s=>]/.test(html[i]) && !(html[i] === '/' && html[i + 1] === '>')) i++;
    const name = html.slice(nameStart, i);
    while (i < n && /\s/.test(html[i])) i++;
    if (html[i] !== '=') {
      if (i === nameStart) i++; // a stray character; never loop forever
      continue;
    }
    i++;
    while (i < n && /\s/.test(html[i])) i++;
    const quote = html[i] === '"' || html[i] === "'" ? html[i] : '';
    const start = quote ? i + 1 : i;
    i = start;
    while (i < n) {
      if (html.startsWith('{{', i)) {
        const close = html.indexOf('}}', i + 2);
        i = close === -1 ? n : close + 2;
      } else if (quote ? html[i] === quote : /[\s>]/.test(html[i])) {
        break;
      } else {
        i++;
      }
    }
    onValue(name, start, i);
    if (quote) i++;
  }
  return n;
}

const ENTITY = /&(?:#(\d+)|#x([0-9a-f]+)|(amp|lt|gt|quot|apos));/gi;
const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Undoes HTML escaping in an attribute value (what Handlebars' `{{…}}` applied to the data). */
export function decodeEntities(text: string): string {
  let at = text.indexOf('&');
  if (at === -1) return text;
  // Per send, for every computed link: query strings hold `&amp;` and nothing else, so try that first
  // (about 5× faster than the regular expression, and than replaceAll). Anything else: the general path.
  let decoded = '';
  let from = 0;
  while (at !== -1) {
    if (!text.startsWith('&amp;', at)) return decodeAllEntities(text);
    decoded += text.slice(from, at + 1);
    from = at + 5;
    at = text.indexOf('&', from);
  }
  return decoded + text.slice(from);
}

function decodeAllEntities(text: string): string {
  return text.replace(ENTITY, (entity, decimal?: string, hex?: string, name?: string) => {
    if (name) return NAMED_ENTITIES[name.toLowerCase()];
    const code = decimal ? parseInt(decimal, 10) : parseInt(hex!, 16);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : entity;
  });
}
