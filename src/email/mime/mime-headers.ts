/**
 * Header fields of outgoing email (RFC 5322, RFC 2047): encoded words for text that is not plain ASCII,
 * display names, and folding so no line is longer than 78 characters where there is room to break.
 */
export type HeaderField = readonly [name: string, value: string];

const PLAIN_TEXT = /^[\x20-\x7e]*$/;
const ATOM_TEXT = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ .]*$/;
const FOLD_AT = 78;
/** Bytes of UTF-8 per encoded word: 13 for "=?UTF-8?B?" and "?=", 52 for the base64 of 39 bytes. */
const WORD_BYTES = 39;

/** Unstructured text (a subject): as is when it is printable ASCII, otherwise UTF-8 encoded words. Folded. */
export function encodeText(text: string): string {
  const clean = text.replace(/[\r\n\t]+/g, ' ');
  if (PLAIN_TEXT.test(clean) && !clean.includes('=?')) return clean;
  return encodedWords(clean).join('\r\n ');
}

/** `"Name" <address>`, or the bare address without a name; a non-ASCII name becomes encoded words. */
export function formatAddress(name: string | null, address: string): string {
  if (!name) return address;
  const clean = name.replace(/[\r\n\t]+/g, ' ').trim();
  if (!PLAIN_TEXT.test(clean) || clean.includes('=?')) return `${encodedWords(clean).join(' ')} <${address}>`;
  if (ATOM_TEXT.test(clean)) return `"${clean}" <${address}>`;
  return `"${clean.replace(/(["\\])/g, '\\$1')}" <${address}>`;
}

/** The header line(s) for a field, folded at spaces when longer than 78 characters; CRLF at the end. */
export function headerLine([name, value]: HeaderField): string {
  const line = `${name}: ${value}`;
  if (line.length <= FOLD_AT || value.includes('\r\n')) return `${line}\r\n`;
  const out: string[] = [];
  let current = `${name}:`;
  for (const word of value.split(' ')) {
    if (current.length + 1 + word.length > FOLD_AT && current.length > name.length + 1) {
      out.push(current);
      current = ` ${word}`;
    } else {
      current += ` ${word}`;
    }
  }
  out.push(current);
  return `${out.join('\r\n')}\r\n`;
}

/** RFC 2047 "B" encoded words, each holding whole characters (a character is never split across words). */
function encodedWords(text: string): string[] {
  const words: string[] = [];
  let chunk = '';
  let bytes = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char, 'utf8');
    if (bytes + size > WORD_BYTES && chunk) {
      words.push(word(chunk));
      chunk = '';
      bytes = 0;
    }
    chunk += char;
    bytes += size;
  }
  if (chunk || words.length === 0) words.push(word(chunk));
  return words;
}

function word(text: string): string {
  return `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;
}

/** An RFC 5322 date: `Mon, 05 Jan 2026 09:00:00 +0000`. */
export function formatDate(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}
