import { isbot } from 'isbot';
import { HONEYPOT_LINK_INDEX } from './honeypot.js';
import { LruCache } from './lru-cache.js';
import type { TrackingHit } from './tracking-hit.js';

/**
 * Why an open or click is judged to be a machine's rather than a person's. Every stored interaction
 * carries one of these, or `human`.
 *
 * Signals in the request itself (this file):
 * - `head_request`: browsers follow links with GET; HEAD comes from link checkers and security gateways.
 * - `no_user_agent`: every mail client and browser sends one; scanners often don't.
 * - `apple_privacy_proxy`: Apple Mail Privacy Protection fetches every image of a message through Apple's
 *   proxy when the message arrives, whether or not anybody reads it. The proxy sends the bare user agent
 *   `Mozilla/5.0`, with nothing after it; no real browser or mail client does.
 * - `image_proxy`: other mailbox providers' image proxies (`GoogleImageProxy` — Gmail's, `YahooMailProxy`).
 *   They fetch on behalf of a reader but also pre-fetch and cache, so an open through them proves nothing.
 * - `bot_user_agent`: anything the `isbot` pattern list recognises (crawlers, HTTP libraries, security
 *   scanners such as Barracuda or Mimecast).
 * - `honeypot`: the hidden link no person can see or click (see honeypot.ts).
 * Signals that need the message and other clicks are in scanner-rules.ts.
 */
export type MachineReason =
  | 'head_request'
  | 'no_user_agent'
  | 'apple_privacy_proxy'
  | 'image_proxy'
  | 'bot_user_agent'
  | 'honeypot'
  | 'scanner_too_soon'
  | 'scanner_burst'
  | 'scanner_honeypot_peer';

export type Verdict = { machine: false; reason: 'human' } | { machine: true; reason: MachineReason };

export const HUMAN: Verdict = Object.freeze({ machine: false, reason: 'human' }) as Verdict;

export function machine(reason: MachineReason): Verdict {
  return { machine: true, reason };
}

const APPLE_PROXY_USER_AGENT = 'Mozilla/5.0';
const IMAGE_PROXY = /GoogleImageProxy|YahooMailProxy/i;

/** The machine reason visible in the request alone, or null when it looks like a person's. */
export function requestSignal(hit: Pick<TrackingHit, 'kind' | 'method' | 'userAgent' | 'linkIndex'>): MachineReason | null {
  if (hit.method === 'HEAD') return 'head_request';
  if (hit.kind === 'click' && hit.linkIndex === HONEYPOT_LINK_INDEX) return 'honeypot';
  const ua = hit.userAgent?.trim();
  if (!ua) return 'no_user_agent';
  if (ua === APPLE_PROXY_USER_AGENT) return 'apple_privacy_proxy';
  if (IMAGE_PROXY.test(ua)) return 'image_proxy';
  if (looksLikeBot(ua)) return 'bot_user_agent';
  return null;
}

/**
 * isbot's verdicts by user agent. Its pattern is one very large regular expression, by far the costliest step of
 * judging a hit, while the user agents of one mailing are a few hundred strings repeated thousands of times.
 * The verdict depends on the string alone, so remembering it is exact.
 */
const BOT_VERDICTS = new LruCache<string, boolean>(4096);

export function looksLikeBot(ua: string): boolean {
  let verdict = BOT_VERDICTS.get(ua);
  if (verdict === undefined) {
    verdict = isbot(ua);
    BOT_VERDICTS.set(ua, verdict);
  }
  return verdict;
}
