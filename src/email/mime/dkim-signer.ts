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
    const bodyHash = createHash('sha256').update(canonicalBody(body), 'latin1').digest('base64');
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

const NEEDS_CANONICALIZATION = /[ \t]\r\n|[ \t]$|\t| {2}/;

/** Relaxed body canonicalization: no whitespace at line ends, runs of whitespace as one space, no empty lines at the end. */
export function canonicalBody(body: Buffer): string {
  let text = body.toString('latin1');
  if (NEEDS_CANONICALIZATION.test(text)) text = text.replace(/[ \t]+(?=\r\n|$)/g, '').replace(/[ \t]+/g, ' ');
  let end = text.length;
  while (end >= 2 && text.charCodeAt(end - 1) === 10 && text.charCodeAt(end - 2) === 13) end -= 2;
  return end === 0 ? '' : `${text.slice(0, end)}\r\n`;
}
