/**
 * Drops the indentation and blank lines MJML leaves in its HTML (about a quarter of the bytes), once per
 * template version: every send then renders, encodes, signs and transmits less. Whitespace around a line
 * break collapses to the line break alone, which HTML renders the same — except in `<pre>`, `<textarea>` or
 * under `white-space: pre…`, so HTML using those is left as it is.
 */
export function compactHtml(html: string): string {
  if (PRESERVES_WHITESPACE.test(html)) return html;
  return html.replace(LINE_BREAK_WITH_WHITESPACE, '\n');
}

const PRESERVES_WHITESPACE = /<(pre|textarea)\b|white-space\s*:\s*(pre|break-spaces)/i;
const LINE_BREAK_WITH_WHITESPACE = /[ \t]*\n[ \t\n]*/g;
