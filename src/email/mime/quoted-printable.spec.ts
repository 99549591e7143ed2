import fc from 'fast-check';
import { encodeQuotedPrintable } from './quoted-printable.js';

/** A straightforward RFC 2045 decoder, to check the encoder against. */
function decode(encoded: string): string {
  const bytes = encoded.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

describe('quoted-printable', () => {
  it('leaves plain ASCII readable and encodes "=" and non-ASCII characters', () => {
    const out = encodeQuotedPrintable('Prijs = 10 € voor "Bakkerij" café').toString('ascii');
    expect(out).toBe('Prijs =3D 10 =E2=82=AC voor "Bakkerij" caf=C3=A9');
  });

  it('turns line breaks into CRLF and encodes a space or tab at the end of a line', () => {
    expect(encodeQuotedPrintable('a \nb\t\r\nc ').toString('ascii')).toBe('a=20\r\nb=09\r\nc=20');
  });

  it('keeps every line at 76 characters or fewer, whatever the text (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 600 }), (text) => {
        const out = encodeQuotedPrintable(text).toString('latin1');
        for (const line of out.split('\r\n')) expect(line.length).toBeLessThanOrEqual(76);
        expect(out).toMatch(/^[\x20-\x7e\r\n]*$/);
        expect(out).not.toMatch(/[ \t]\r\n|[ \t]$/);
        expect(out).not.toMatch(/=(?![0-9A-F]{2}|\r\n)/);
      }),
    );
  });

  it('decodes back to the same text, line breaks as CRLF (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 400 }), (text) => {
        expect(decode(encodeQuotedPrintable(text).toString('ascii'))).toBe(text.replace(/\r?\n/g, '\r\n'));
      }),
    );
  });

  it('soft-breaks a long line without splitting an encoded character', () => {
    const out = encodeQuotedPrintable('é'.repeat(60)).toString('ascii');
    const lines = out.split('=\r\n');
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(line).toMatch(/^(=C3=A9)+$/);
  });
});
