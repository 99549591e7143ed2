/**
 * Which requests the tracking fast path answers itself, before Fastify sees them: `GET` or `HEAD` of
 * `/t/o/{token}` or `/t/c/{token}`, optionally with a query string (ignored, as by the Fastify routes), where the
 * token is made only of the characters a token can contain and is no longer than Fastify's longest path
 * parameter. Anything else (another method, a percent-encoded or over-long token, an extra path segment) goes
 * to Fastify unchanged, which answers it exactly as before (404, 405, or the same route).
 */
export interface FastPathRequest {
  kind: 'o' | 'c';
  token: string;
}

/** Fastify's default `maxParamLength`: a longer path parameter does not match the route (404). */
export const MAX_FAST_PATH_TOKEN = 100;

const SLASH = 0x2f;
const T = 0x74;
const O = 0x6f;
const C = 0x63;
const QUESTION = 0x3f;

/** The kind and token of a request the fast path answers, or null when Fastify should route it. */
export function fastPathRequest(method: string | undefined, url: string | undefined): FastPathRequest | null {
  if ((method !== 'GET' && method !== 'HEAD') || url === undefined || url.length < 6) return null;
  if (url.charCodeAt(0) !== SLASH || url.charCodeAt(1) !== T || url.charCodeAt(2) !== SLASH || url.charCodeAt(4) !== SLASH) return null;
  const k = url.charCodeAt(3);
  if (k !== O && k !== C) return null;
  let end = 5;
  for (; end < url.length; end++) {
    const ch = url.charCodeAt(end);
    if (ch === QUESTION) break;
    if (!isTokenChar(ch)) return null;
  }
  const length = end - 5;
  if (length === 0 || length > MAX_FAST_PATH_TOKEN) return null;
  return { kind: k === O ? 'o' : 'c', token: url.slice(5, end) };
}

/** base64url letters, and the dots between a token's parts. */
function isTokenChar(ch: number): boolean {
  return (ch >= 0x61 && ch <= 0x7a) || (ch >= 0x41 && ch <= 0x5a) || (ch >= 0x30 && ch <= 0x39) || ch === 0x2d || ch === 0x5f || ch === 0x2e;
}

/**
 * The client address as Fastify reports it with `trustProxy: true`: the first (client-most) address of
 * X-Forwarded-For when present, else the peer's address.
 */
export function clientIp(forwardedFor: string | string[] | undefined, peer: string | undefined): string | null {
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor;
  if (header) {
    const comma = header.indexOf(',');
    const first = (comma === -1 ? header : header.slice(0, comma)).trim();
    if (first) return first;
  }
  return peer ?? null;
}
