import { createHmac, timingSafeEqual } from 'node:crypto';
import { ShortHmac } from './short-hmac.js';

/**
 * Signed tracking tokens for the open pixel (`o`), click redirects (`c`) and unsubscribe links (`u`).
 *
 * A token is `base64url(payload) + '.' + base64url(mac)`, where the payload is
 * `[version·kind byte][message id as 16 raw bytes][link index as a varint, clicks only]` and the MAC
 * is HMAC-SHA256 over the payload, truncated to 128 bits. A click token is about 48 characters.
 * The MAC key is derived from the configured secret, so the secret is never used raw.
 */
export type TrackingKind = 'o' | 'c' | 'u';

export interface TrackingPayload {
  k: TrackingKind;
  /** The message id (a UUID). */
  m: string;
  /** The link index; present on click tokens only. */
  l?: number;
}

/** Thrown when asked to sign something that cannot be a valid token (a programming error). */
export class InvalidTrackingPayload extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidTrackingPayload';
  }
}

const VERSION = 0x10;
const KIND_CODE: Record<TrackingKind, number> = { o: 1, c: 2, u: 3 };
const KIND_BY_CODE: (TrackingKind | undefined)[] = [undefined, 'o', 'c', 'u'];
const MAC_BYTES = 16;
const MAX_LINK_INDEX = 0xffff;
const MAX_TOKEN_LENGTH = 64;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const KEY_LABEL = 'nurture-engine/tracking-token/v1';

/**
 * Signs and verifies tokens for one secret; build it once (key derivation is done here). Signing runs for
 * every link of every send, so it reuses its buffers and parses a message id only when it changes.
 * Not for concurrent use across worker threads (each thread builds its own).
 */
export class TrackingTokenCodec {
  private readonly hmac: ShortHmac;
  private readonly payload = Buffer.alloc(24);
  private readonly mac = Buffer.alloc(32);
  private currentMessage = '';

  constructor(secret: string | Uint8Array) {
    if (secret.length === 0) throw new InvalidTrackingPayload('The tracking secret is empty.');
    this.hmac = new ShortHmac(createHmac('sha256', secret).update(KEY_LABEL).digest());
  }

  /** A compact signed token for `payload`. */
  sign({ k, m, l }: TrackingPayload): string {
    const code = KIND_CODE[k];
    if (code === undefined) throw new InvalidTrackingPayload(`Unknown token kind ${String(k)}.`);
    if (m !== this.currentMessage) this.setMessage(m);
    const bytes = this.payload;
    bytes[0] = VERSION | code;
    const length = k === 'c' ? writeLinkIndex(bytes, 17, l) : noLinkIndex(l);
    this.hmac.digestInto(bytes, length, this.mac);
    return `${bytes.toString('base64url', 0, length)}.${this.mac.toString('base64url', 0, MAC_BYTES)}`;
  }

  /** The payload if `token` was signed with this secret for `expectedKind`; otherwise null. Never throws. */
  verify(token: unknown, expectedKind: TrackingKind): TrackingPayload | null {
    try {
      if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return null;
      const dot = token.indexOf('.');
      if (dot <= 0) return null;
      const bytes = strictBase64url(token.slice(0, dot));
      const mac = strictBase64url(token.slice(dot + 1));
      if (!bytes || !mac || mac.length !== MAC_BYTES) return null;
      const expected = this.hmac.mac(bytes).subarray(0, MAC_BYTES);
      if (!timingSafeEqual(expected, mac)) return null;
      const payload = decodePayload(bytes);
      return payload && payload.k === expectedKind ? payload : null;
    } catch {
      return null;
    }
  }

  private setMessage(m: string): void {
    if (typeof m !== 'string' || !UUID.test(m)) throw new InvalidTrackingPayload('The message id must be a UUID.');
    this.payload.write(m.replace(/-/g, ''), 1, 'hex');
    this.currentMessage = m;
  }
}

const codecs = new Map<string, TrackingTokenCodec>();

function codecFor(secret: string): TrackingTokenCodec {
  let codec = codecs.get(secret);
  if (!codec) {
    if (codecs.size >= 8) codecs.clear(); // a handful of secrets at most (rotation); never grows
    codec = new TrackingTokenCodec(secret);
    codecs.set(secret, codec);
  }
  return codec;
}

/** Signs a tracking token; see {@link TrackingTokenCodec.sign}. */
export function signToken(secret: string, payload: TrackingPayload): string {
  return codecFor(secret).sign(payload);
}

/** Verifies a tracking token; null on any tampering, wrong kind, wrong secret or bad encoding. */
export function verifyToken(secret: string, token: unknown, expectedKind: TrackingKind): TrackingPayload | null {
  if (typeof secret !== 'string' || secret.length === 0) return null;
  return codecFor(secret).verify(token, expectedKind);
}

/** Writes a click's link index as a varint at `at`; returns the payload length. */
function writeLinkIndex(out: Buffer, at: number, l: number | undefined): number {
  if (l === undefined) throw new InvalidTrackingPayload('A click token carries a link index.');
  if (!(Number.isInteger(l) && l >= 0 && l <= MAX_LINK_INDEX)) {
    throw new InvalidTrackingPayload(`The link index must be an integer from 0 to ${MAX_LINK_INDEX}.`);
  }
  let n = l;
  while (n >= 0x80) {
    out[at++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  out[at++] = n;
  return at;
}

function noLinkIndex(l: number | undefined): number {
  if (l !== undefined) throw new InvalidTrackingPayload('Only click tokens carry a link index.');
  return 17;
}

function decodePayload(bytes: Buffer): TrackingPayload | null {
  if (bytes.length < 17 || (bytes[0] & 0xf0) !== VERSION) return null;
  const k = KIND_BY_CODE[bytes[0] & 0x0f];
  if (!k) return null;
  const hex = bytes.toString('hex', 1, 17);
  const m = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  if (k !== 'c') return bytes.length === 17 ? { k, m } : null;
  let l = 0;
  let shift = 0;
  for (let at = 17; at < bytes.length; at++) {
    const byte = bytes[at];
    l |= (byte & 0x7f) << shift;
    shift += 7;
    const last = (byte & 0x80) === 0;
    if (last !== (at === bytes.length - 1) || shift > 21) return null;
    if (last && byte === 0 && at > 17) return null; // not the shortest encoding
  }
  return bytes.length > 17 && l <= MAX_LINK_INDEX ? { k, m, l } : null;
}

/** Decodes base64url only if `text` is its one canonical encoding (no padding, no spare bits). */
function strictBase64url(text: string): Buffer | null {
  if (!BASE64URL.test(text)) return null;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : null;
}
