/**
 * Quoted-printable (RFC 2045 §6.7) for the text and HTML parts of every email.
 *
 * This runs per send over ~50 KB of HTML, so it is one pass over the UTF-8 bytes into a buffer sized
 * for the worst case: no regular expressions, no intermediate strings. Line breaks in the input become
 * CRLF hard breaks; lines are soft-broken (`=` CRLF) so none is longer than 76 characters; `=`, tabs and
 * other control characters, non-ASCII bytes and a space at the end of a line are encoded. The output is 7-bit
 * ASCII and never contains `=` followed by anything but two hex digits or a line break, which is what
 * makes a boundary starting with `=_` safe.
 */
const HEX = Buffer.from('0123456789ABCDEF', 'ascii');
const MAX_LINE = 76;
const CR = 13;
const LF = 10;
const SPACE = 32;
const EQUALS = 61;

export function encodeQuotedPrintable(text: string): Buffer {
  const input = Buffer.from(text, 'utf8');
  const n = input.length;
  // Worst case: every byte as =XX, plus a soft break after every 73 characters.
  const out = Buffer.allocUnsafe(Math.ceil(n * 3.2) + 64);
  let o = 0;
  let line = 0;
  for (let i = 0; i < n; i++) {
    const c = input[i];
    if (c === LF || (c === CR && input[i + 1] === LF)) {
      if (c === CR) i++;
      out[o++] = CR;
      out[o++] = LF;
      line = 0;
      continue;
    }
    let literal = c > SPACE && c < 127 && c !== EQUALS;
    if (c === SPACE) {
      const next = input[i + 1];
      literal = i + 1 < n && next !== LF && !(next === CR && input[i + 2] === LF);
    }
    // A multi-byte character is encoded whole on one line (decoders may not join split characters).
    const width = literal ? 1 : c >= 0xf0 ? 12 : c >= 0xe0 ? 9 : c >= 0xc0 ? 6 : c >= 0x80 ? 0 : 3;
    if (width > 0 && line + width > MAX_LINE - 1) {
      out[o++] = EQUALS;
      out[o++] = CR;
      out[o++] = LF;
      line = 0;
    }
    if (literal) {
      out[o++] = c;
    } else {
      out[o++] = EQUALS;
      out[o++] = HEX[c >> 4];
      out[o++] = HEX[c & 15];
    }
    line += literal ? 1 : 3;
  }
  return out.subarray(0, o);
}
