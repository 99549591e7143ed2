/** What a tracking hit records (the email_interactions.kind check constraint). */
export const INTERACTION_KINDS = ['open', 'click'] as const;
export type InteractionKind = (typeof INTERACTION_KINDS)[number];

/**
 * One open or click as the public endpoint saw it, before any judgement: it travels through the Redis
 * buffer to a worker, which classifies it (human or machine) and writes it to PostgreSQL.
 * The id becomes the id of both the email_interactions row and the behaviour event, so a hit that is
 * delivered twice (a worker died before acknowledging it) is stored once.
 */
export interface TrackingHit {
  id: string;
  kind: InteractionKind;
  messageId: string;
  /** Clicks only: the link index from the token, and the URL it was redirected to (null for the honeypot). */
  linkIndex: number | null;
  url: string | null;
  method: 'GET' | 'HEAD';
  userAgent: string | null;
  ip: string | null;
  /** When the request arrived (ms since the epoch, from the injected clock). */
  at: number;
}

const MAX_USER_AGENT = 512;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Keeps stored user agents bounded; a header of several kilobytes is itself a machine's. */
export function boundUserAgent(ua: string | undefined): string | null {
  if (!ua) return null;
  return ua.length > MAX_USER_AGENT ? ua.slice(0, MAX_USER_AGENT) : ua;
}

/** Compact positional JSON: about 200 bytes per hit in Redis. */
export function encodeHit(h: TrackingHit): string {
  return JSON.stringify([1, h.id, h.kind === 'open' ? 'o' : 'c', h.messageId, h.linkIndex, h.url, h.method, h.userAgent, h.ip, h.at]);
}

/** The hit, or null for anything this version did not write (it is then dropped, with a log line). */
export function decodeHit(text: string): TrackingHit | null {
  let a: unknown;
  try {
    a = JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(a) || a.length !== 10 || a[0] !== 1) return null;
  const [, id, k, messageId, linkIndex, url, method, userAgent, ip, at] = a as unknown[];
  const ok =
    typeof id === 'string' && UUID.test(id) &&
    (k === 'o' || k === 'c') &&
    typeof messageId === 'string' && UUID.test(messageId) &&
    (linkIndex === null || (Number.isInteger(linkIndex) && (linkIndex as number) >= 0)) &&
    (url === null || typeof url === 'string') &&
    (method === 'GET' || method === 'HEAD') &&
    (userAgent === null || typeof userAgent === 'string') &&
    (ip === null || typeof ip === 'string') &&
    typeof at === 'number' && Number.isFinite(at);
  if (!ok) return null;
  return {
    id: id as string,
    kind: k === 'o' ? 'open' : 'click',
    messageId: messageId as string,
    linkIndex: linkIndex as number | null,
    url: url as string | null,
    method: method as 'GET' | 'HEAD',
    userAgent: userAgent as string | null,
    ip: ip as string | null,
    at: at as number,
  };
}
