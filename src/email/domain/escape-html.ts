/**
 * Handlebars' `escapeExpression`, the escaping of every `{{…}}` in the HTML part, without its replace
 * callback: the same characters become the same entities (`&<>"'\`=`), other values are turned into strings
 * the same way, and objects with `toHTML` (SafeString) pass through. A send escapes some hundred values.
 */
export function escapeExpression(value: unknown): string {
  if (typeof value !== 'string') {
    const html = value as { toHTML?: unknown } | null | undefined;
    if (html && typeof html.toHTML === 'function') return (html.toHTML as () => string)();
    if (value == null) return '';
    if (!value) return '' + (value as string); // `+`, not a template literal: the same conversion as Handlebars
    return escapeHtml('' + (value as string));
  }
  return escapeHtml(value);
}

const ENTITIES: (string | undefined)[] = [];
ENTITIES['&'.charCodeAt(0)] = '&amp;';
ENTITIES['<'.charCodeAt(0)] = '&lt;';
ENTITIES['>'.charCodeAt(0)] = '&gt;';
ENTITIES['"'.charCodeAt(0)] = '&quot;';
ENTITIES["'".charCodeAt(0)] = '&#x27;';
ENTITIES['`'.charCodeAt(0)] = '&#x60;';
ENTITIES['='.charCodeAt(0)] = '&#x3D;';
const LAST = '`'.charCodeAt(0);
const SPECIAL = /[&<>"'`=]/;

/** The last string {@link escapeHtml} changed, and what it made of it. */
let lastText = '';
let lastEscaped = '';

/** A string with `&<>"'\`=` escaped as Handlebars escapes them; the same string when there are none. */
export function escapeHtml(text: string): string {
  // A send shows the same value in several places (a company name in every heading): escaped once.
  if (text === lastText) return lastEscaped;
  const first = text.search(SPECIAL); // the regular expression scans far faster than a loop
  if (first === -1) return text; // most values
  lastText = text;
  lastEscaped = escapeFrom(text, first);
  return lastEscaped;
}

function escapeFrom(text: string, first: number): string {
  let out = '';
  let from = 0;
  for (let i = first; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > LAST) continue;
    const entity = ENTITIES[c];
    if (entity === undefined) continue;
    out += text.slice(from, i) + entity;
    from = i + 1;
  }
  return from === 0 ? text : out + text.slice(from);
}
