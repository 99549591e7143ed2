import { simpleParser } from 'mailparser';
import { composeMessage, serializeMessage, type MessageParts } from './mime-message.js';
import { formatAddress, headerLine } from './mime-headers.js';

const parts: MessageParts = {
  messageId: '3f1c2a9e-7b4d-4e21-9a0f-5c6d7e8f9a0b@studio-noord.example.be',
  date: new Date('2026-01-05T09:00:00Z'),
  from: formatAddress('Studio Noord', 'tips@studio-noord.example.be'),
  to: 'an@bakkerij-peeters.example.be',
  subject: 'Bedankt voor je download, Annelies — één vraag over “jouw” website',
  listUnsubscribe: {
    url: 'https://track.studio-noord.example.be/u/EBA_HCp7TU4hmg9cbX6PmgsBBBBBBBBB.AAAAAAAAAAAAAAAAAAAAAA',
    mailto: 'mailto:unsubscribe@studio-noord.example.be?subject=unsubscribe',
  },
  text: 'Hallo Annelies,\n\nLees de gids [https://track.example.be/t/c/abc]\n\n-- \nStudio Noord',
  html: `<html><body><p>Hallo Annelies, één “vraag”.</p>${'<p>Een lange alinea met tekst. '.repeat(40)}</p></body></html>`,
};

describe('composeMessage', () => {
  it('makes a message that a mail parser reads back exactly: headers, text and HTML', async () => {
    const raw = serializeMessage(composeMessage(parts));
    const mail = await simpleParser(raw);
    expect(mail.subject).toBe(parts.subject);
    expect(mail.messageId).toBe(`<${parts.messageId}>`);
    expect(mail.from?.value).toEqual([{ name: 'Studio Noord', address: 'tips@studio-noord.example.be' }]);
    expect(mail.date?.toISOString()).toBe('2026-01-05T09:00:00.000Z');
    expect(mail.text).toBe(parts.text);
    expect(mail.html).toBe(parts.html);
    expect(mail.headerLines.find((h) => h.key === 'list-unsubscribe-post')?.line).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    const listUnsubscribe = mail.headerLines.find((h) => h.key === 'list-unsubscribe')?.line.replace(/\r\n /g, ' ');
    expect(listUnsubscribe).toBe(`List-Unsubscribe: <${parts.listUnsubscribe.url}>, <${parts.listUnsubscribe.mailto}>`);
  });

  it('can be serialised more than once, each time whole', async () => {
    const composed = composeMessage(parts);
    const first = serializeMessage(composed, [['X-First', 'a much longer header value than the second one']]);
    const copy = Buffer.from(first);
    const second = serializeMessage(composed, [['X-Second', 'b']]);
    expect(first.equals(copy)).toBe(true);
    expect((await simpleParser(second)).headers.get('x-second')).toBe('b');
  });

  it('is 7-bit ASCII with CRLF line ends and no line over 998 characters', () => {
    const raw = serializeMessage(composeMessage({ ...parts, html: `<p>${'x'.repeat(5000)}</p>` })).toString('latin1');
    expect(raw).toMatch(/^[\x20-\x7e\r\n]*$/);
    expect(raw.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    for (const line of raw.split('\r\n')) expect(line.length).toBeLessThanOrEqual(998);
  });
});

describe('header fields', () => {
  it('folds a long header at a space, and leaves a short one on one line', () => {
    expect(headerLine(['To', 'an@example.be'])).toBe('To: an@example.be\r\n');
    const folded = headerLine(['List-Unsubscribe', `<https://x.example.be/u/${'a'.repeat(60)}>, <mailto:u@example.be>`]);
    expect(folded).toBe(`List-Unsubscribe: <https://x.example.be/u/${'a'.repeat(60)}>,\r\n <mailto:u@example.be>\r\n`);
  });

  it('quotes a display name when it needs it and encodes one that is not ASCII', () => {
    expect(formatAddress(null, 'a@example.be')).toBe('a@example.be');
    expect(formatAddress('Studio Noord', 'a@example.be')).toBe('"Studio Noord" <a@example.be>');
    expect(formatAddress('Peeters, "An"', 'a@example.be')).toBe('"Peeters, \\"An\\"" <a@example.be>');
    expect(formatAddress('Café Noord', 'a@example.be')).toBe('=?UTF-8?B?Q2Fmw6kgTm9vcmQ=?= <a@example.be>');
  });
});
