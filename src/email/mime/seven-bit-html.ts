/**
 * The HTML part as 7-bit text, so it needs no transfer encoding pass (quoted-printable of ~50 KB per email
 * was the costliest step of building a message).
 *
 * - asciiHtml: every non-ASCII character becomes a numeric character reference (`&#8217;`), which HTML
 *   decodes to the same character in text and in attribute values. Not where references are not decoded:
 *   inside <style>, <script> and the other raw-text elements; a message with a non-ASCII character there
 *   returns null (the caller falls back to quoted-printable). So does a C1 control (U+0080–U+009F): HTML
 *   decodes `&#128;`–`&#159;` as Windows-1252 characters (`&#128;` is €), so no reference means it. A
 *   non-ASCII tag or attribute name would change too; templates have none.
 * - writeSevenBitLines: writes ASCII HTML with CRLF line ends and no line over 998 octets (RFC 5322 §2.1.1).
 *   A longer line is broken only where a line break means the same as the space it replaces: at a space or
 *   tab between attributes inside a tag, or in text outside <pre>, <textarea>, <script>, <style>, comments
 *   and the like. A line that cannot be broken so makes it return -1 (quoted-printable again).
 */
export const MAX_LINE = 998;

// No 'u' flag: in Unicode mode the same scan is about ten times slower. One character class, no alternation
// (a surrogate pair is matched as its two halves and joined in the replacer): ~40 % less time on a 36 KB page.
const NON_ASCII = /[^\x00-\x7f]/;
const NON_ASCII_ALL = /[^\x00-\x7f]/g;
/** Elements whose content is not parsed for character references, opening and closing. */
const RAW_TEXT_OPEN = /<(style|script|xmp|iframe|noembed|noframes|plaintext)[\s>/]/gi;
const RAW_TEXT_CLOSE = /<\/(style|script|xmp|iframe|noembed|noframes|plaintext)/gi;

/** `html` with non-ASCII characters as numeric references; null where that would change its meaning. */
export function asciiHtml(html: string): string | null {
  const first = html.search(NON_ASCII);
  if (first === -1) return html;
  const raw = rawTextRanges(html);
  let inRaw = false;
  let r = 0;
  let lowOfPair = -1; // where the second half of a surrogate pair written with the first is
  let c1Control = false;
  const out = html.replace(NON_ASCII_ALL, (char: string, at: number) => {
    if (at === lowOfPair) return '';
    while (r < raw.length && raw[r][1] <= at) r++;
    if (r < raw.length && raw[r][0] <= at) inRaw = true;
    const code = char.charCodeAt(0);
    if (code <= 0x9f) c1Control = true;
    const ref = characterReference(html, at);
    if (ref.pair) lowOfPair = at + 1;
    return ref.text;
  });
  return inRaw || c1Control ? null : out;
}

/**
 * The numeric reference for the character at `at` (a surrogate pair as one code point; a lone surrogate, which
 * has no UTF-8 form, as the replacement character, as the UTF-8 encoder would write it).
 */
export function characterReference(html: string, at: number): { text: string; pair: boolean } {
  const code = html.charCodeAt(at);
  if (code >= 0xd800 && code <= 0xdbff) {
    const low = html.charCodeAt(at + 1);
    if (low >= 0xdc00 && low <= 0xdfff) return { text: `&#${(code - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000};`, pair: true };
  }
  return { text: `&#${code >= 0xd800 && code <= 0xdfff ? 0xfffd : code};`, pair: false };
}

/** [start, end) of each raw-text element (to its closing tag, or the end). */
export function rawTextRanges(html: string): [number, number][] {
  const ranges: [number, number][] = [];
  RAW_TEXT_OPEN.lastIndex = 0;
  for (let m = RAW_TEXT_OPEN.exec(html); m; m = RAW_TEXT_OPEN.exec(html)) {
    const name = m[1].toLowerCase();
    RAW_TEXT_CLOSE.lastIndex = m.index + m[0].length;
    let end = html.length;
    for (let c = RAW_TEXT_CLOSE.exec(html); c; c = RAW_TEXT_CLOSE.exec(html)) {
      if (c[1].toLowerCase() === name) {
        end = c.index;
        break;
      }
    }
    ranges.push([m.index, end]);
    RAW_TEXT_OPEN.lastIndex = end;
  }
  return ranges;
}

/** The most bytes writeSevenBitLines writes for `html` (each line break may become CRLF). */
export function maxSevenBitLength(html: string): number {
  return html.length * 2 + 2;
}

/**
 * Writes ASCII `html` (see asciiHtml) into `out` at `offset` with CRLF line ends (and a CRLF at the end),
 * breaking lines over MAX_LINE at safe places; returns the offset after it, or -1 when it cannot (a NUL,
 * a character that is not ASCII, or a long line without a safe place to break). `knownAscii`: the
 * caller has it from asciiHtml, so the check for non-ASCII characters is skipped.
 */
export function writeSevenBitLines(html: string, out: Buffer, offset: number, knownAscii = false): number {
  if (html.includes('\0') || (!knownAscii && NON_ASCII.test(html))) return -1;
  const text = html.includes('\r') ? html.replace(/\r\n?/g, '\n') : html;
  // The line ends, found with native searches; no line may be too long for the fast path.
  const ends: number[] = [];
  let start = 0;
  for (let lf = text.indexOf('\n'); lf !== -1; lf = text.indexOf('\n', start)) {
    if (lf - start > MAX_LINE) return writeBroken(text, out, offset);
    ends.push(lf);
    start = lf + 1;
  }
  if (text.length - start > MAX_LINE) return writeBroken(text, out, offset);
  // One native write of the whole text, placed so that moving each line down to make room for its CR
  // (native copies, first line first) ends with every line in place.
  const shift = ends.length;
  out.write(text, offset + shift, 'latin1');
  let o = offset;
  let from = 0;
  for (const lf of ends) {
    out.copyWithin(o, offset + shift + from, offset + shift + lf);
    o += lf - from;
    out[o++] = 13;
    out[o++] = 10;
    from = lf + 1;
  }
  if (from < text.length) {
    out.copyWithin(o, offset + shift + from, offset + shift + text.length);
    o += text.length - from;
    out[o++] = 13;
    out[o++] = 10;
  }
  return o;
}

const enum State {
  Text,
  Tag,
  Quoted,
  Comment,
  /** Inside <pre>, <textarea>, <script>, <style>…: until the closing tag. */
  Keep,
}

const KEEP = new Set(['pre', 'textarea', 'script', 'style', 'xmp', 'iframe', 'noembed', 'noframes', 'plaintext', 'listing']);

/**
 * The slow path for text with a line over MAX_LINE: one pass that follows the markup (text, tag, quoted
 * value, comment, kept element) and remembers the last safe break of the current line.
 */
function writeBroken(text: string, out: Buffer, offset: number): number {
  const n = text.length;
  let o = offset;
  let state = State.Text;
  let quote = 0;
  let keepUntil = ''; // the closing tag that ends State.Keep
  let tagName = '';
  let readingName = false;
  let closing = false;
  let lineStart = 0; // in text
  let lastBreak = -1; // in text: a space or tab that may become CRLF
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      o = flush(text, lineStart, i, out, o);
      lineStart = i + 1;
      lastBreak = -1;
      continue;
    }
    if (i - lineStart >= MAX_LINE) {
      if (lastBreak < 0) return -1;
      o = flush(text, lineStart, lastBreak, out, o);
      lineStart = lastBreak + 1;
      lastBreak = -1;
    }
    switch (state) {
      case State.Text:
        if (c === 60 /* < */) {
          if (text.startsWith('<!--', i)) {
            state = State.Comment;
          } else {
            const next = text.charCodeAt(i + 1);
            if (isLetter(next) || next === 47 /* / */) {
              state = State.Tag;
              closing = next === 47;
              tagName = '';
              readingName = true;
            }
          }
        } else if (c === 32 || c === 9) {
          lastBreak = i;
        }
        break;
      case State.Tag:
        if (readingName) {
          if (isLetter(c) || (c >= 48 && c <= 57)) tagName += String.fromCharCode(c | 32);
          else if (!(c === 47 && tagName === '' && closing)) readingName = false;
        }
        if (c === 34 || c === 39) {
          state = State.Quoted;
          quote = c;
        } else if (c === 62 /* > */) {
          state = !closing && KEEP.has(tagName) ? State.Keep : State.Text;
          keepUntil = `</${tagName}`;
        } else if ((c === 32 || c === 9) && !readingName) {
          lastBreak = i;
        }
        break;
      case State.Quoted:
        if (c === quote) state = State.Tag;
        break;
      case State.Comment:
        if (c === 62 && text.startsWith('--', i - 2)) state = State.Text;
        break;
      case State.Keep:
        if (c === 60 && text.slice(i, i + keepUntil.length).toLowerCase() === keepUntil) {
          state = State.Tag;
          closing = true;
          readingName = false;
        }
        break;
    }
  }
  // The loop broke every line before it grew past MAX_LINE, so the last one fits too.
  return lineStart < n ? flush(text, lineStart, n, out, o) : o;
}

function flush(text: string, from: number, to: number, out: Buffer, o: number): number {
  o += out.write(text.slice(from, to), o, 'latin1');
  out[o++] = 13;
  out[o++] = 10;
  return o;
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}
