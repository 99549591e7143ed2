import { compile, type HtmlToTextOptions } from 'html-to-text';
import { isTrackableHref, markTextHref } from './link-tracking.js';

/**
 * The plain-text part of an email, made from its HTML.
 *
 * html-to-text takes a few milliseconds for a large email, far too slow to run per send. So it runs once
 * per template version over the compiled HTML while that is still Handlebars source: `{{…}}` expressions
 * pass through as text, and trackable link targets are marked so the send reuses the HTML's tracked links.
 * Per send only Handlebars runs (without HTML escaping: this is plain text).
 */
const BASE_OPTIONS: HtmlToTextOptions = {
  wordwrap: false,
  selectors: [
    { selector: 'img', format: 'skip' },
    { selector: 'a', options: { hideLinkHrefIfSameAsText: true, linkBrackets: ['[', ']'] } },
    ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({ selector, options: { uppercase: false } })),
    { selector: 'table', format: 'block' },
  ],
};

const toText = compile(BASE_OPTIONS);

const toTextTemplate = compile({
  ...BASE_OPTIONS,
  selectors: BASE_OPTIONS.selectors!.map((s) =>
    s.selector === 'a'
      ? { ...s, options: { ...s.options, pathRewrite: (href: string) => (isTrackableHref(href) ? markTextHref(href) : href) } }
      : s,
  ),
});

/** A Handlebars text template from compiled HTML (Handlebars source). Run once per template version. */
export function textTemplateFromHtml(html: string): string {
  return standaloneBlockTags(toTextTemplate(html));
}

const TAGS_ONLY_LINE = /^\s*(?:\{\{~?\s*(?:[#/^!]|else\b)[^}]*\}\}\s*)+$/;
const TAG = /\{\{[^}]*\}\}/g;

/**
 * Puts each block tag that shares a line only with other block tags on a line of its own, so Handlebars
 * drops the line when rendering (its "standalone" rule), and drops the blank line after it: a paragraph in
 * a block that renders nothing then leaves no run of blank lines behind.
 */
function standaloneBlockTags(text: string): string {
  const out: string[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!TAGS_ONLY_LINE.test(lines[i])) {
      out.push(lines[i]);
      continue;
    }
    out.push(...(lines[i].match(TAG) ?? []));
    if (i + 1 < lines.length && lines[i + 1].trim() === '') i++;
  }
  return out.join('\n');
}

/** Plain text from rendered HTML; the slow path, for templates whose text template could not be built. */
export function htmlToPlainText(html: string): string {
  return toText(html);
}
