import { encodeQuotedPrintable } from './quoted-printable.js';
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
}

/** A message as header fields (top to bottom) and body bytes, ready to be signed and serialised. */
export interface ComposedMessage {
  headers: HeaderField[];
  body: Buffer;
}

/**
 * Builds a multipart/alternative message (text, then HTML, both quoted-printable UTF-8). The part headers
 * are the same for every message; per message only the bodies are encoded, which is the costly part.
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
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\n${TEXT_PART_HEADERS}`, 'ascii'),
    encodeQuotedPrintable(parts.text),
    Buffer.from(`\r\n--${boundary}\r\n${HTML_PART_HEADERS}`, 'ascii'),
    encodeQuotedPrintable(parts.html),
    Buffer.from(`\r\n--${boundary}--\r\n`, 'ascii'),
  ]);
  return { headers, body };
}

const TEXT_PART_HEADERS = 'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n';
const HTML_PART_HEADERS = 'Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n';

/** The message as it goes over SMTP: `extra` header fields (a DKIM signature) first, then the rest. */
export function serializeMessage(message: ComposedMessage, extra: HeaderField[] = []): Buffer {
  const head = [...extra, ...message.headers].map(headerLine).join('');
  return Buffer.concat([Buffer.from(`${head}\r\n`, 'ascii'), message.body]);
}
