import { createHmac, timingSafeEqual } from 'node:crypto';
import { ShortHmac } from './short-hmac.js';

/**
 * Signed tracking tokens for the open pixel (`o`), click redirects (`c`) and unsubscribe links (`u`).
 *
 * A token is `base64url(payload) + '.' + base64url(mac)`, where the payload is
 * `[version·kind byte][message id as 16 raw bytes]` and the MAC is HMAC-SHA256 over the payload, truncated
 * to 128 bits. A click token adds `'.' + linkIndex` (decimal) after the MAC, outside it, so one MAC per
 * message serves every link of that message (signing per link was most of the cost of tracking a send);
 * a click token is at most 52 characters. The MAC key is derived from the configured secret, so the secret
 * is never used raw.
 *
 * Why the link index needs no MAC of its own: the MAC binds the token to one message and to the kind
 * "click". The server maps (message, index) to a URL only through the link list it stored for that
 * message when it was sent, so a changed index can only name another link of the same email (which its
 * reader can click anyway) or no link at all (404). It can never name another message, a URL of the
 * attacker's choosing, an open or an unsubscribe. The index must be written canonically (no sign, no
 * leading zeros, at most 65535), so each (message, link) has exactly one token.
 *
 * Click tokens signed before this format (`base64url(payload + varint index) + '.' + base64url(mac)`) are
 * in emails already delivered, so they are still verified.
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
const LINK_INDEX = /^(?:0|[1-9][0-9]{0,4})$/;
/** Version·kind byte and the 16 bytes of the message id. */
const MESSAGE_PAYLOAD_BYTES = 17;
const KEY_LABEL = 'nurture-engine/tracking-token/v1';

/**
 * Signs and verifies tokens for one secret; build it once (key derivation is done here). Signing runs for
 * every link of every send, so it reuses its buffers, parses a message id only when it changes, and keeps
 * the current message's click MAC: the links of one email after the first cost a string concatenation.
 * Not for concurrent use across worker threads (each thread builds its own).
 */
export class TrackingTokenCodec {
  private readonly hmac: ShortHmac;
  private readonly payload = Buffer.alloc(24);
  private readonly mac = Buffer.alloc(32);
  /** The message the MAC buffers hold; null until the first sign (so an empty id is checked too). */
  private currentMessage: string | null = null;
  /** `payload.mac.` of the current message's click token, made on its first link. */
  private clickPrefix = '';

  constructor(secret: string | Uint8Array) {
    if (secret.length === 0) throw new InvalidTrackingPayload('The tracking secret is empty.');
    this.hmac = new ShortHmac(createHmac('sha256', secret).update(KEY_LABEL).digest());
  }

  /** A compact signed token for `payload`. Every link of one message shares one MAC (see above). */
  sign({ k, m, l }: TrackingPayload): string {
    const code = KIND_CODE[k];
    if (code === undefined) throw new InvalidTrackingPayload(`Unknown token kind ${String(k)}.`);
    if (m !== this.currentMessage) this.setMessage(m);
    if (k === 'c') {
      checkLinkIndex(l);
      if (!this.clickPrefix) this.clickPrefix = `${this.signPayload(code)}.`;
      return this.clickPrefix + l;
    }
    noLinkIndex(l);
    return this.signPayload(code);
  }

  /** The payload if `token` was signed with this secret for `expectedKind`; otherwise null. Never throws. */
  verify(token: unknown, expectedKind: TrackingKind): TrackingPayload | null {
    try {
      if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return null;
      const dot = token.indexOf('.');
      if (dot <= 0) return null;
      const second = token.indexOf('.', dot + 1);
      const bytes = strictBase64url(token.slice(0, dot));
      const mac = strictBase64url(second === -1 ? token.slice(dot + 1) : token.slice(dot + 1, second));
      if (!bytes || !mac || mac.length !== MAC_BYTES) return null;
      const expected = this.hmac.mac(bytes).subarray(0, MAC_BYTES);
      if (!timingSafeEqual(expected, mac)) return null;
      const payload = second === -1 ? decodePayload(bytes) : decodeClick(bytes, token.slice(second + 1));
      return payload && payload.k === expectedKind ? payload : null;
    } catch {
      return null;
    }
  }

  /** `base64url(payload) + '.' + base64url(mac)` for the current message and `code`. */
  private signPayload(code: number): string {
    const bytes = this.payload;
    bytes[0] = VERSION | code;
    this.hmac.digestInto(bytes, MESSAGE_PAYLOAD_BYTES, this.mac);
    return `${bytes.toString('base64url', 0, MESSAGE_PAYLOAD_BYTES)}.${this.mac.toString('base64url', 0, MAC_BYTES)}`;
  }

  private setMessage(m: string): void {
    if (typeof m !== 'string' || !UUID.test(m)) throw new InvalidTrackingPayload('The message id must be a UUID.');
    this.payload.write(m.replace(/-/g, ''), 1, 'hex');
    this.currentMessage = m;
    this.clickPrefix = '';
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

/** Throws unless `l` can be a click's link index. */
function checkLinkIndex(l: number | undefined): asserts l is number {
  if (l === undefined) throw new InvalidTrackingPayload('A click token carries a link index.');
  if (!(Number.isInteger(l) && l >= 0 && l <= MAX_LINK_INDEX)) {
    throw new InvalidTrackingPayload(`The link index must be an integer from 0 to ${MAX_LINK_INDEX}.`);
  }
}

function noLinkIndex(l: number | undefined): void {
  if (l !== undefined) throw new InvalidTrackingPayload('Only click tokens carry a link index.');
}

/** A click in the current format: a message payload of kind 'c', and the index written canonically. */
function decodeClick(bytes: Buffer, index: string): TrackingPayload | null {
  if (bytes.length !== MESSAGE_PAYLOAD_BYTES || bytes[0] !== (VERSION | KIND_CODE.c) || !LINK_INDEX.test(index)) return null;
  const l = Number(index);
  return l <= MAX_LINK_INDEX ? { k: 'c', m: messageIdOf(bytes), l } : null;
}

function messageIdOf(bytes: Buffer): string {
  const hex = bytes.toString('hex', 1, 17);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A payload in the two-part format: an open or unsubscribe, or a click signed before the current format. */
function decodePayload(bytes: Buffer): TrackingPayload | null {
  if (bytes.length < 17 || (bytes[0] & 0xf0) !== VERSION) return null;
  const k = KIND_BY_CODE[bytes[0] & 0x0f];
  if (!k) return null;
  const m = messageIdOf(bytes);
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
