import { createHash, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import type { HeaderField } from './mime-headers.js';

/**
 * DKIM signatures (RFC 6376), rsa-sha256 with relaxed/relaxed canonicalization, over the header fields
 * this service writes — including List-Unsubscribe and List-Unsubscribe-Post, which mailbox providers
 * require to be signed for one-click unsubscribe (RFC 8058 §4). The key is parsed once; the RSA
 * operation runs on libuv's thread pool, off the event loop.
 */
export const SIGNED_HEADERS = [
  'from', 'to', 'subject', 'date', 'message-id', 'mime-version', 'content-type', 'list-unsubscribe', 'list-unsubscribe-post',
];

export interface DkimKey {
  domain: string;
  selector: string;
  /** PEM. */
  privateKey: string;
}

export class DkimSigner {
  private readonly key: KeyObject;

  constructor(private readonly options: DkimKey) {
    this.key = createPrivateKey(options.privateKey);
  }

  /** The DKIM-Signature header field for a message with these header fields and body. */
  async sign(headers: readonly HeaderField[], body: Buffer): Promise<HeaderField> {
    const bodyHash = createHash('sha256').update(canonicalBody(body)).digest('base64');
    const byName = new Map(headers.map(([name, value]) => [name.toLowerCase(), value]));
    const signed = SIGNED_HEADERS.filter((name) => byName.has(name));
    const unsigned =
      `v=1; a=rsa-sha256; c=relaxed/relaxed; d=${this.options.domain}; s=${this.options.selector};\r\n` +
      ` h=${signed.join(':')};\r\n bh=${bodyHash};\r\n b=`;
    const data =
      signed.map((name) => canonicalHeader(name, byName.get(name)!)).join('\r\n') +
      '\r\n' +
      canonicalHeader('dkim-signature', unsigned);
    const signature = await new Promise<Buffer>((resolve, reject) =>
      sign('sha256', Buffer.from(data, 'latin1'), this.key, (err, result) => (err ? reject(err) : resolve(result))),
    );
    return ['DKIM-Signature', unsigned + signature.toString('base64').replace(/.{72}(?=.)/g, '$&\r\n  ')];
  }
}

/** Relaxed header canonicalization: lower-case name, unfolded value, whitespace runs as one space, trimmed. */
export function canonicalHeader(name: string, value: string): string {
  return `${name.toLowerCase()}:${value.replace(/\r\n/g, '').replace(/[ \t]+/g, ' ').trim()}`;
}

const TWO_SPACES = Buffer.from('  ');
const SPACE_CRLF = Buffer.from(' \r\n');
const TAB = 9;
const SPACE = 32;

/**
 * Relaxed body canonicalization: no whitespace at line ends, runs of whitespace as one space, no empty
 * lines at the end. Quoted-printable bodies have no tabs and no trailing spaces, only runs of spaces (HTML
 * indentation): those are collapsed with native searches; anything else takes the general path.
 */
export function canonicalBody(body: Buffer): Buffer {
  let canonical: Buffer;
  if (body.indexOf(TAB) !== -1 || body.indexOf(SPACE_CRLF) !== -1 || body[body.length - 1] === 32) {
    const text = body.toString('latin1').replace(/[ \t]+(?=\r\n|$)/g, '').replace(/[ \t]+/g, ' ');
    canonical = Buffer.from(text, 'latin1');
  } else {
    canonical = collapseSpaceRuns(body);
  }
  let end = canonical.length;
  while (end >= 2 && canonical[end - 1] === 10 && canonical[end - 2] === 13) end -= 2;
  if (end === 0) return Buffer.alloc(0);
  return end + 2 <= canonical.length ? canonical.subarray(0, end + 2) : Buffer.concat([canonical.subarray(0, end), Buffer.from('\r\n')]);
}

function collapseSpaceRuns(body: Buffer): Buffer {
  const run = body.indexOf(TWO_SPACES);
  if (run === -1) return body;
  // HTML indentation makes a run on almost every line: one loop over the rest beats a native copy per run.
  const out = Buffer.allocUnsafe(body.length);
  body.copy(out, 0, 0, run + 1);
  let o = run + 1;
  let previous = SPACE;
  for (let i = run + 1; i < body.length; i++) {
    const b = body[i];
    if (b === SPACE && previous === SPACE) continue;
    out[o++] = b;
    previous = b;
  }
  return out.subarray(0, o);
}
