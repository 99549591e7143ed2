/** Outcome of {@link checkWebhookUrl}: fine, or refused with a reason a user can act on. */
export type WebhookUrlCheck = { ok: true } | { ok: false; reason: string };

export interface WebhookUrlPolicy {
  /** Allow loopback and private targets (WEBHOOK_ALLOW_PRIVATE_NETWORKS, for development and on-premise). */
  allowPrivate: boolean;
  /** Resolves a host name to its IP addresses (all of them: IPv4 and IPv6). */
  lookup: (host: string) => Promise<string[]>;
}

/** Longest webhook URL accepted. */
export const MAX_WEBHOOK_URL_LENGTH = 2048;

/**
 * Whether sales' webhook URL may be called (protection against server-side request forgery).
 * Only http(s) without credentials in the URL; unless `allowPrivate`, the host must not be, or resolve to,
 * a loopback, private, link-local (cloud metadata), CGNAT, unspecified or otherwise non-public address,
 * in any spelling the URL parser accepts (`0x7f000001`, `[::ffff:127.0.0.1]`, …).
 * DNS can change after this check: the sender must check the addresses again when it connects.
 */
export async function checkWebhookUrl(url: string, opts: WebhookUrlPolicy): Promise<WebhookUrlCheck> {
  if (url.length > MAX_WEBHOOK_URL_LENGTH) return refuse(`is longer than ${MAX_WEBHOOK_URL_LENGTH} characters`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return refuse('is not a valid URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return refuse('must start with http:// or https://');
  if (parsed.username !== '' || parsed.password !== '') return refuse('must not contain a user name or password');
  if (opts.allowPrivate) return { ok: true };

  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (parseIPv4(host) !== null || parseIPv6(host) !== null) {
    const range = nonPublicRange(host);
    return range ? refuse(`points to ${host}, a ${range} address`) : { ok: true };
  }

  let addresses: string[];
  try {
    addresses = await opts.lookup(host);
  } catch {
    return refuse(`host ${host} could not be resolved`);
  }
  if (addresses.length === 0) return refuse(`host ${host} has no addresses`);
  for (const address of addresses) {
    const range = nonPublicRange(address);
    if (range) return refuse(`host ${host} resolves to ${address}, a ${range} address`);
  }
  return { ok: true };
}

/**
 * True when `ip` is not a public unicast address: loopback, private, link-local, CGNAT, unspecified,
 * multicast, reserved or documentation ranges, IPv4 embedded in IPv6 that is one of these, and anything
 * that is not an IP address at all (so a caller never treats garbage as safe).
 */
export function isPrivateAddress(ip: string): boolean {
  return nonPublicRange(ip) !== null;
}

/** Name of the non-public range `ip` is in, or null for a public address. */
function nonPublicRange(ip: string): string | null {
  const text = ip.trim().replace(/^\[(.*)\]$/, '$1');
  const v4 = parseIPv4(text);
  if (v4 !== null) return ipv4Range(v4);
  const v6 = parseIPv6(text);
  if (v6 !== null) return ipv6Range(v6);
  return 'unrecognised';
}

/** [network, prefix length, name]; the first match wins. */
const IPV4_RANGES: [number, number, string][] = [
  [ipv4('0.0.0.0'), 8, 'unspecified'],
  [ipv4('10.0.0.0'), 8, 'private'],
  [ipv4('100.64.0.0'), 10, 'carrier-grade NAT'],
  [ipv4('127.0.0.0'), 8, 'loopback'],
  [ipv4('169.254.0.0'), 16, 'link-local'],
  [ipv4('172.16.0.0'), 12, 'private'],
  [ipv4('192.0.0.0'), 24, 'reserved'],
  [ipv4('192.0.2.0'), 24, 'documentation'],
  [ipv4('192.168.0.0'), 16, 'private'],
  [ipv4('198.18.0.0'), 15, 'benchmarking'],
  [ipv4('198.51.100.0'), 24, 'documentation'],
  [ipv4('203.0.113.0'), 24, 'documentation'],
  [ipv4('224.0.0.0'), 4, 'multicast'],
  [ipv4('240.0.0.0'), 4, 'reserved'],
];

function ipv4Range(address: number): string | null {
  for (const [network, prefix, name] of IPV4_RANGES) {
    const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
    if (((address & mask) >>> 0) === network) return name;
  }
  return null;
}

function ipv6Range(g: number[]): string | null {
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  const embedded = (hi: number, lo: number) => ipv4Range(((g[hi] << 16) | g[lo]) >>> 0);
  if (zeros(0, 8)) return 'unspecified';
  if (zeros(0, 7) && g[7] === 1) return 'loopback';
  if (zeros(0, 5) && g[5] === 0xffff) return embedded(6, 7); // ::ffff:a.b.c.d, IPv4-mapped
  if (zeros(0, 4) && g[4] === 0xffff && g[5] === 0) return embedded(6, 7); // ::ffff:0:a.b.c.d, IPv4-translated
  if (zeros(0, 6)) return embedded(6, 7) ?? 'IPv4-compatible'; // ::a.b.c.d, deprecated
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return embedded(6, 7); // NAT64
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) return 'local NAT64';
  if (g[0] === 0x2002) return embedded(1, 2); // 6to4
  if ((g[0] & 0xfe00) === 0xfc00) return 'private';
  if ((g[0] & 0xffc0) === 0xfe80) return 'link-local';
  if ((g[0] & 0xffc0) === 0xfec0) return 'site-local';
  if ((g[0] & 0xff00) === 0xff00) return 'multicast';
  if (g[0] === 0x2001 && g[1] === 0x0db8) return 'documentation';
  return null;
}

/** Strict dotted quad (no leading zeros, which some resolvers read as octal) as an unsigned number. */
function parseIPv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part) || Number(part) > 255) return null;
    value = value * 256 + Number(part);
  }
  return value;
}

/** IPv6 text (with `::`, an IPv4 tail or a `%zone`) as eight 16-bit groups. */
function parseIPv6(text: string): number[] | null {
  const address = text.replace(/%[^%]*$/, '');
  if (!address.includes(':')) return null;
  let hex = address;
  const tail: number[] = [];
  const lastColon = address.lastIndexOf(':');
  if (address.slice(lastColon + 1).includes('.')) {
    const v4 = parseIPv4(address.slice(lastColon + 1));
    if (v4 === null) return null;
    tail.push(v4 >>> 16, v4 & 0xffff);
    hex = address.slice(0, lastColon + 1); // keeps "::" whole, drops a single separating ":"
    if (!hex.endsWith('::')) hex = hex.slice(0, -1);
  }
  const halves = hex.split('::');
  if (halves.length > 2) return null;
  const groups = (half: string) => (half === '' ? [] : half.split(':'));
  const head = groups(halves[0]);
  const back = halves.length === 2 ? groups(halves[1]) : [];
  if ([...head, ...back].some((h) => !/^[0-9a-fA-F]{1,4}$/.test(h))) return null;
  const explicit = head.length + back.length + tail.length;
  if (halves.length === 1 ? explicit !== 8 : explicit > 7) return null;
  const fill = new Array<number>(8 - explicit).fill(0);
  return [...head, ...fill.map(String), ...back].map((h) => parseInt(h, 16)).concat(tail);
}

function ipv4(text: string): number {
  return parseIPv4(text) ?? 0;
}

function refuse(reason: string): WebhookUrlCheck {
  return { ok: false, reason };
}
