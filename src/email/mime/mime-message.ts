import { encodeQuotedPrintableInto, maxQuotedPrintableLength } from './quoted-printable.js';
import { asciiHtml, maxSevenBitLength, writeSevenBitLines } from './seven-bit-html.js';
import { encodeText, formatDate, headerLine, type HeaderField } from './mime-headers.js';

/** What one outgoing email consists of; the sender's header value is formatted once per process. */
export interface MessageParts {
  /** The Message-ID without angle brackets, `<id>@<domain>`; also makes the MIME boundary unique. */
  messageId: string;
  date: Date;
  /** The From header value, e.g. `"Studio Noord" <tips@example.be>` (see formatAddress). */
  from: string;
  to: string;
  subject: string;
  /** RFC 8058: the one-click https URL, and a `mailto:` URI as fallback. */
  listUnsubscribe: { url: string; mailto: string };
  text: string;
  html: string;
  /**
   * Send the HTML part 7-bit when it can be (non-ASCII characters as numeric character references, lines
   * broken at safe places; see seven-bit-html.ts) instead of quoted-printable: the same page, no encoding
   * pass. Falls back to quoted-printable on its own.
   */
  sevenBitHtml?: boolean;
}

/** A message as header fields (top to bottom) and body bytes, ready to be signed and serialised. */
export interface ComposedMessage {
  headers: HeaderField[];
  body: Buffer;
  /** The buffer the body was written into, with room before it for the header block (used once). */
  frame?: { buffer: Buffer; bodyStart: number; used?: boolean };
}

/** Room kept before the body for the header block, so the whole message is one buffer written once. */
const HEAD_ROOM = 8192;

/**
 * Builds a multipart/alternative message (text, then HTML, quoted-printable UTF-8, or the HTML 7-bit when
 * asked for and possible). The part headers
 * are the same for every message; per message only the bodies are encoded, straight into the buffer that
 * is sent, which is the costly part.
 */
export function composeMessage(parts: MessageParts): ComposedMessage {
  const boundary = `=_nurture_${parts.messageId.replace(/[^A-Za-z0-9]/g, '').slice(0, 40)}`;
  const headers: HeaderField[] = [
    ['From', parts.from],
    ['To', parts.to],
    ['Subject', encodeText(parts.subject)],
    ['Date', formatDate(parts.date)],
    ['Message-ID', `<${parts.messageId}>`],
    ['MIME-Version', '1.0'],
    ['List-Unsubscribe', `<${parts.listUnsubscribe.url}>, <${parts.listUnsubscribe.mailto}>`],
    ['List-Unsubscribe-Post', 'List-Unsubscribe=One-Click'],
    ['Content-Type', `multipart/alternative; boundary="${boundary}"`],
  ];
  const ascii = parts.sevenBitHtml ? asciiHtml(parts.html) : null;
  const textBytes = Buffer.byteLength(parts.text, 'utf8');
  // Room for the HTML as 7-bit lines, or (only when that is not possible) quoted-printable: the UTF-8 length
  // of ~40 KB of HTML is not measured for a message that does not need it.
  const htmlRoom = ascii === null ? maxQuotedPrintableLength(Buffer.byteLength(parts.html, 'utf8')) : maxSevenBitLength(ascii);
  let buffer = Buffer.allocUnsafe(HEAD_ROOM + 512 + maxQuotedPrintableLength(textBytes) + htmlRoom);
  let o = HEAD_ROOM;
  o += buffer.write(`--${boundary}\r\n${TEXT_PART_HEADERS}`, o, 'ascii');
  o = encodeQuotedPrintableInto(parts.text, buffer, o);
  o += buffer.write(`\r\n--${boundary}\r\n`, o, 'ascii');
  const htmlStart = o;
  const sevenBit = ascii === null ? -1 : writeSevenBitLines(ascii, buffer, o + HTML_7BIT_HEADERS.length, true);
  if (sevenBit !== -1) {
    buffer.write(HTML_7BIT_HEADERS, htmlStart, 'ascii');
    // The last line's CRLF is the one before the closing boundary, unless the HTML itself ends with a line break.
    o = /[\r\n]$/.test(ascii!) ? sevenBit : sevenBit - 2;
  } else {
    if (ascii !== null) {
      // 7-bit was tried in a buffer sized for it: move what is written so far to one with room for quoted-printable.
      const larger = Buffer.allocUnsafe(htmlStart + 512 + maxQuotedPrintableLength(Buffer.byteLength(parts.html, 'utf8')));
      buffer.copy(larger, 0, 0, htmlStart);
      buffer = larger;
    }
    o = htmlStart + buffer.write(HTML_PART_HEADERS, htmlStart, 'ascii');
    o = encodeQuotedPrintableInto(parts.html, buffer, o);
  }
  o += buffer.write(`\r\n--${boundary}--\r\n`, o, 'ascii');
  return { headers, body: buffer.subarray(HEAD_ROOM, o), frame: { buffer, bodyStart: HEAD_ROOM } };
}

const TEXT_PART_HEADERS = 'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n';
const HTML_PART_HEADERS = 'Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n';
const HTML_7BIT_HEADERS = 'Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n';

/** The message as it goes over SMTP: `extra` header fields (a DKIM signature) first, then the rest. */
export function serializeMessage(message: ComposedMessage, extra: HeaderField[] = []): Buffer {
  const head = `${[...extra, ...message.headers].map(headerLine).join('')}\r\n`;
  const frame = message.frame;
  if (frame && !frame.used && head.length <= frame.bodyStart) {
    // The header block goes right in front of the body: no copy of the body. (A second serialisation copies.)
    frame.used = true;
    const start = frame.bodyStart - head.length;
    frame.buffer.write(head, start, 'ascii');
    return frame.buffer.subarray(start, frame.bodyStart + message.body.length);
  }
  return Buffer.concat([Buffer.from(head, 'ascii'), message.body]);
}
