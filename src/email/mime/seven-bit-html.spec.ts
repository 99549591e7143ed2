import fc from 'fast-check';
import { decodeHTML } from 'entities';
import { parse, type DefaultTreeAdapterMap } from 'parse5';
import { simpleParser } from 'mailparser';
import { asciiHtml, MAX_LINE, maxSevenBitLength, writeSevenBitLines } from './seven-bit-html.js';
import { composeMessage, serializeMessage, type MessageParts } from './mime-message.js';

type Node = DefaultTreeAdapterMap['node'];
const KEPT = new Set(['pre', 'textarea', 'script', 'style']);

/** The document as parse5 reads it, with runs of white space in text outside <pre> and the like as one space. */
function dom(html: string): string {
  const out: string[] = [];
  const walk = (node: Node, kept: boolean) => {
    if (node.nodeName === '#text') {
      const value = (node as DefaultTreeAdapterMap['textNode']).value;
      out.push(`T:${kept ? value : value.replace(/[ \t\n\f\r]+/g, ' ')}`);
    } else if (node.nodeName === '#comment') {
      out.push(`C:${(node as DefaultTreeAdapterMap['commentNode']).data}`);
    } else if ('tagName' in node) {
      out.push(`E:${node.tagName}:${JSON.stringify(node.attrs)}`);
    }
    const children: Node[] = 'childNodes' in node ? (node.childNodes as Node[]) : [];
    const inner = 'content' in node ? ((node.content as { childNodes: Node[] }).childNodes ?? []) : children;
    for (const child of inner) walk(child, kept || KEPT.has(node.nodeName));
    out.push('/');
  };
  walk(parse(html) as unknown as Node, false);
  return out.join('\n');
}

function write(html: string): string | null {
  const out = Buffer.alloc(maxSevenBitLength(html));
  const end = writeSevenBitLines(html, out, 0);
  if (end === -1) return null;
  // As composeMessage does: the last CRLF is the one before the boundary unless the HTML ends with a line break.
  return out.toString('latin1', 0, /[\r\n]$/.test(html) ? end : end - 2);
}

const word = fc.stringMatching(/^[a-z0-9.,:;!?()=\/-]{1,60}$/);
const space = fc.oneof({ weight: 40, arbitrary: fc.constantFrom(' ', '\t', '  ') }, { weight: 1, arbitrary: fc.constant('\n') });
const words = fc.array(fc.tuple(word, space), { minLength: 1, maxLength: 40 }).map((ws) => ws.map(([w, s]) => w + s).join(''));
const name = fc.constantFrom('p', 'a', 'td', 'span', 'div', 'table');
const attribute = fc.tuple(fc.constantFrom('href', 'style', 'title', 'class', 'data-x'), words).map(([n, v]) => `${n}="${v.replace(/"/g, '')}"`);
const tag = fc.tuple(name, fc.array(attribute, { maxLength: 6 }), fc.constantFrom(' ', '  ', '\t')).map(([n, attrs, s]) => `<${n}${attrs.map((a) => s + a).join('')}>`);
const segment = fc.oneof(
  { weight: 4, arbitrary: words },
  { weight: 3, arbitrary: tag },
  { weight: 2, arbitrary: name.map((n) => `</${n}>`) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('pre', 'textarea', 'style'), words).map(([n, w]) => `<${n}>${w}</${n}>`) },
  { weight: 1, arbitrary: words.map((w) => `<!-- ${w} -->`) },
);
const document = fc.array(segment, { minLength: 1, maxLength: 120 }).map((s) => `<html><body>${s.join('')}</body></html>`);
/** A paragraph of at least 200 words of 5 or more characters with no line break: always longer than a line may be. */
const longLine = fc
  .array(fc.tuple(fc.stringMatching(/^[a-z0-9.,:;!?()=\/-]{5,60}$/), fc.constantFrom(' ', '\t')), { minLength: 200, maxLength: 300 })
  .map((ws) => `<p>${ws.map(([w, s]) => w + s).join('')}</p>`);
/** Documents, half of them with such a paragraph first (the plain generator makes a line over 998 octets only now and then). */
const documentWithLongLines = fc.oneof(document, fc.tuple(document, longLine).map(([d, p]) => d.replace('<body>', `<body>${p}`)));

describe('7-bit HTML', () => {
  it('writes every line with CRLF, none over 998 octets, only ASCII', () => {
    fc.assert(
      fc.property(document, (html) => {
        const out = write(html);
        if (out === null) return;
        expect(out).toMatch(/^[\x00-\x7f]*$/);
        const lines = out.split('\r\n');
        for (const line of lines) {
          expect(line).not.toMatch(/[\r\n]/);
          expect(line.length).toBeLessThanOrEqual(MAX_LINE);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('breaks long lines only where a browser (parse5) reads the same document', () => {
    let broken = 0;
    fc.assert(
      fc.property(documentWithLongLines, (html) => {
        const out = write(html);
        if (out === null) return;
        if (out.replace(/\r\n/g, '\n') !== html) broken++;
        expect(dom(out)).toBe(dom(html));
      }),
      { numRuns: 300 },
    );
    expect(broken).toBeGreaterThan(0); // the generator does make long lines
  });

  it('leaves short lines as they are, with CRLF line ends', () => {
    expect(write('<p>a</p>\n<p>b</p>\r\n<p>c</p>\rend')).toBe('<p>a</p>\r\n<p>b</p>\r\n<p>c</p>\r\nend');
    expect(write('<p>a</p>\n')).toBe('<p>a</p>\r\n');
  });

  it('refuses a long line it cannot break, text that is not ASCII, and NUL', () => {
    expect(write(`<pre>${'x '.repeat(600)}</pre>`)).toBeNull();
    expect(write(`<a href="${'x '.repeat(600)}">`)).toBeNull();
    expect(write(`<p>${'x'.repeat(1200)}</p>`)).toBeNull();
    expect(write('<p>é</p>')).toBeNull();
    expect(write('<p>\0</p>')).toBeNull();
  });

  it('turns non-ASCII characters into references that decode to the same text (entities as the reference decoder)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 50 }), (text, binary) => {
        const html = `<p title="${text.replace(/"/g, '')}">${text}${binary}</p>`;
        const ascii = asciiHtml(html);
        if (/[\x80-\x9f]/.test(html)) return expect(ascii).toBeNull(); // no reference means a C1 control
        expect(ascii).toMatch(/^[\x00-\x7f]*$/);
        expect(decodeHTML(ascii!)).toBe(decodeHTML(html.replace(/[\ud800-\udfff]/g, (c, at: number) => (isPaired(html, at) ? c : '\ufffd'))));
      }),
      { numRuns: 500 },
    );
  });

  it('does not use references where they are not decoded: non-ASCII inside <style> or <script>', () => {
    expect(asciiHtml('<style>p::after { content: "é" }</style><p>é</p>')).toBeNull();
    expect(asciiHtml('<script>var s = "é"</script>')).toBeNull();
    expect(asciiHtml('<style>p { color: red }</style><p>é</p>')).toBe('<style>p { color: red }</style><p>&#233;</p>');
    expect(asciiHtml('<p>plain</p>')).toBe('<p>plain</p>');
  });

  it('does not use references for C1 controls, which HTML decodes as Windows-1252 (&#128; is €)', () => {
    expect(decodeHTML('&#128;')).toBe('€');
    expect(asciiHtml('<p>\u0080</p>')).toBeNull();
    expect(asciiHtml('<p>\u009f é</p>')).toBeNull();
    expect(asciiHtml('<p>\u00a0é</p>')).toBe('<p>&#160;&#233;</p>');
  });
});

describe('a message with a 7-bit HTML part', () => {
  const parts: MessageParts = {
    messageId: '3f1c2a9e-7b4d-4e21-9a0f-5c6d7e8f9a0b@studio-noord.example.be',
    date: new Date('2026-01-05T09:00:00Z'),
    from: 'tips@studio-noord.example.be',
    to: 'an@bakkerij-peeters.example.be',
    subject: 'Hallo',
    listUnsubscribe: { url: 'https://track.example.be/u/x', mailto: 'mailto:unsubscribe@example.be' },
    text: 'Hallo Annelies — één vraag',
    html: `<html><body><p>Hallo Annelies, één “vraag” 😀.</p>\n${'<p class="x">Een lange alinea met tekst. '.repeat(60)}</p>\n</body></html>\n`,
    sevenBitHtml: true,
  };

  it('is read back by a mail parser as the same page, and the text part exactly', async () => {
    const raw = serializeMessage(composeMessage(parts));
    expect(raw.toString('latin1')).toContain('Content-Transfer-Encoding: 7bit');
    for (const line of raw.toString('latin1').split('\r\n')) expect(line.length).toBeLessThanOrEqual(998);
    const mail = await simpleParser(raw);
    expect(mail.text).toBe(parts.text);
    expect(dom(decodeHTML(mail.html as string))).toBe(dom(decodeHTML(parts.html)));
    expect(decodeHTML(mail.html as string)).toContain('één “vraag” 😀');
  });

  it('falls back to quoted-printable where 7-bit cannot be done, and then keeps the HTML exactly', async () => {
    const html = `<style>p::after { content: "é" }</style><pre>${'x '.repeat(700)}</pre>`;
    for (const page of [html, html.replace('é', 'e')]) {
      const raw = serializeMessage(composeMessage({ ...parts, html: page }));
      expect(raw.toString('latin1')).not.toContain('Content-Transfer-Encoding: 7bit');
      expect((await simpleParser(raw)).html).toBe(page);
    }
  });
});

function isPaired(s: string, at: number): boolean {
  const c = s.charCodeAt(at);
  if (c <= 0xdbff) return at + 1 < s.length && s.charCodeAt(at + 1) >= 0xdc00 && s.charCodeAt(at + 1) <= 0xdfff;
  return at > 0 && s.charCodeAt(at - 1) >= 0xd800 && s.charCodeAt(at - 1) <= 0xdbff;
}
