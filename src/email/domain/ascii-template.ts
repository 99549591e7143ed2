import { characterReference, rawTextRanges } from '../mime/seven-bit-html.js';
import { MUSTACHE } from './handlebars-syntax.js';

/** A non-ASCII character, a surrogate pair as one match (no 'u' flag: see seven-bit-html.ts). */
const NON_ASCII_CHARACTER = /[\ud800-\udbff][\udc00-\udfff]|[^\x00-\x7f]/g;
const WHITE_SPACE = /^\s$/;

/**
 * An HTML email template (Handlebars source) with the non-ASCII characters of its literal text already as
 * the numeric references {@link asciiHtml} would turn them into at every send: done once per template, it
 * leaves asciiHtml only the characters lead data brings (usually none), and the rendered page a one-byte
 * string (~40 KB scanned several times per send, half the memory). After asciiHtml the sent bytes are the
 * same. Left alone, for asciiHtml to decide at send time as before: anything inside `{{…}}` (helper
 * arguments are not HTML), white space (`~` and standalone tags trim it), and the whole template when a
 * raw-text element (<style>, <script>…) holds a non-ASCII character or a `{{`, when it has a C1 control, or
 * when it outputs unescaped HTML (`{{{…}}}`, `{{&…}}`), since the rendered page could then have raw text
 * the source does not show.
 */
export function asciiTemplateHtml(source: string): string {
  if (!/[^\x00-\x7f]/.test(source) || source.includes('{{{') || source.includes('{{&') || /[\x80-\x9f]/.test(source)) return source;
  for (const [start, end] of rawTextRanges(source)) {
    if (/\{\{|[^\x00-\x7f]/.test(source.slice(start, end))) return source;
  }
  let out = '';
  let from = 0;
  for (const m of source.matchAll(MUSTACHE)) {
    out += references(source.slice(from, m.index)) + m[0];
    from = m.index + m[0].length;
  }
  return out + references(source.slice(from));
}

/** Literal template text with its non-ASCII characters, white space aside, as numeric references. */
function references(literal: string): string {
  return literal.replace(NON_ASCII_CHARACTER, (c) => (WHITE_SPACE.test(c) ? c : characterReference(c, 0).text));
}
