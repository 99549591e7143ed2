import { jest } from '@jest/globals';
import fc from 'fast-check';
import { BlockList } from 'node:net';
import { checkWebhookUrl, isPrivateAddress } from './url-policy.js';

/** A DNS stub: known names resolve to fixed addresses; anything else is an unknown host. */
function dns(records: Record<string, string[]>) {
  return jest.fn(async (host: string): Promise<string[]> => {
    const found = records[host];
    if (!found) throw new Error(`ENOTFOUND ${host}`);
    return found;
  });
}

const PUBLIC_DNS = { 'hooks.example.com': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'] };

describe('isPrivateAddress', () => {
  it.each([
    ['IPv4 loopback', '127.0.0.1'],
    ['the top of 127/8', '127.255.255.254'],
    ['10/8', '10.1.2.3'],
    ['the bottom of 172.16/12', '172.16.0.1'],
    ['the top of 172.16/12', '172.31.255.255'],
    ['192.168/16', '192.168.1.1'],
    ['cloud metadata', '169.254.169.254'],
    ['IPv4 link-local', '169.254.0.1'],
    ['the IPv4 unspecified address', '0.0.0.0'],
    ['carrier-grade NAT', '100.64.0.1'],
    ['the top of carrier-grade NAT', '100.127.255.255'],
    ['multicast', '224.0.0.1'],
    ['broadcast', '255.255.255.255'],
    ['IPv6 loopback', '::1'],
    ['IPv6 loopback written out', '0:0:0:0:0:0:0:1'],
    ['IPv6 loopback in brackets', '[::1]'],
    ['the IPv6 unspecified address', '::'],
    ['unique local fc00::/7', 'fc00::1'],
    ['unique local fd…', 'fd12:3456:789a::1'],
    ['IPv6 link-local', 'fe80::1'],
    ['IPv6 link-local with a zone', 'fe80::1%eth0'],
    ['the top of fe80::/10', 'febf:ffff::1'],
    ['IPv6 multicast', 'ff02::1'],
    ['IPv4-mapped loopback, dotted', '::ffff:127.0.0.1'],
    ['IPv4-mapped loopback, in hex', '::ffff:7f00:1'],
    ['IPv4-mapped loopback, written out', '0:0:0:0:0:ffff:7f00:0001'],
    ['IPv4-mapped private', '::ffff:10.0.0.1'],
    ['IPv4-mapped cloud metadata', '::ffff:169.254.169.254'],
    ['IPv4-compatible loopback', '::127.0.0.1'],
    ['NAT64 of a private address', '64:ff9b::10.0.0.1'],
    ['6to4 of loopback', '2002:7f00:1::1'],
  ])('%s (%s) is not public', (_label, ip) => {
    expect(isPrivateAddress(ip)).toBe(true);
  });

  it.each([
    ['a public IPv4 address', '93.184.216.34'],
    ['just above 172.16/12', '172.32.0.1'],
    ['just below 172.16/12', '172.15.255.255'],
    ['just above carrier-grade NAT', '100.128.0.1'],
    ['just below link-local', '169.253.255.255'],
    ['just above 10/8', '11.0.0.1'],
    ['a public IPv6 address', '2606:4700:4700::1111'],
    ['IPv4-mapped public', '::ffff:8.8.8.8'],
    ['NAT64 of a public address', '64:ff9b::808:808'],
  ])('%s (%s) is public', (_label, ip) => {
    expect(isPrivateAddress(ip)).toBe(false);
  });

  it.each(['localhost', '', '1.2.3', '1.2.3.4.5', '010.0.0.1', '1.2.3.256', ':::1', '1::2::3', '12345::', '1:2:3:4:5:6:7:8:9', '::ffff:1.2.3'])(
    'treats %j, which is not an IP address, as unsafe',
    (text) => {
      expect(isPrivateAddress(text)).toBe(true);
    },
  );

  const octet = fc.integer({ min: 0, max: 255 });
  const anyIPv4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));

  /** Mostly addresses in or next to the interesting ranges, some anywhere. */
  const nearRanges = fc
    .tuple(fc.constantFrom(0, 9, 10, 11, 100, 126, 127, 128, 169, 172, 192, 198, 203, 223, 224, 239, 240, 255), octet, octet, octet)
    .map((o) => o.join('.'));
  const someIPv4 = fc.oneof(anyIPv4, nearRanges);

  it('agrees exactly with an independent range table (node:net BlockList) on every IPv4 address', () => {
    const notPublic = new BlockList();
    for (const [net, prefix] of [
      ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
      ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15],
      ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
    ] as const) {
      notPublic.addSubnet(net, prefix, 'ipv4');
    }
    fc.assert(
      fc.property(someIPv4, (ip) => {
        expect(isPrivateAddress(ip)).toBe(notPublic.check(ip, 'ipv4'));
      }),
      { numRuns: 3000 },
    );
  });

  it('an IPv4-mapped IPv6 address is judged like the IPv4 address it carries', () => {
    fc.assert(
      fc.property(someIPv4, (ip) => {
        expect(isPrivateAddress(`::ffff:${ip}`)).toBe(isPrivateAddress(ip));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('checkWebhookUrl', () => {
  const strict = (lookup = dns(PUBLIC_DNS)) => ({ allowPrivate: false, lookup });

  it("accepts sales' https endpoint on a public host", async () => {
    const lookup = dns(PUBLIC_DNS);
    await expect(checkWebhookUrl('https://hooks.example.com/nurture?team=be', strict(lookup))).resolves.toEqual({ ok: true });
    expect(lookup).toHaveBeenCalledWith('hooks.example.com');
  });

  it('accepts a public IP address without asking DNS', async () => {
    const lookup = dns({});
    await expect(checkWebhookUrl('http://93.184.216.34:8080/hook', strict(lookup))).resolves.toEqual({ ok: true });
    expect(lookup).not.toHaveBeenCalled();
  });

  it.each([
    ['ftp://hooks.example.com/'],
    ['file:///etc/passwd'],
    ['javascript:alert(1)'],
    ['gopher://hooks.example.com/'],
  ])('refuses %s: only http and https', async (url) => {
    await expect(checkWebhookUrl(url, strict())).resolves.toEqual({ ok: false, reason: 'must start with http:// or https://' });
  });

  it('refuses credentials in the URL', async () => {
    await expect(checkWebhookUrl('https://user:secret@hooks.example.com/', strict())).resolves.toEqual({
      ok: false,
      reason: 'must not contain a user name or password',
    });
    await expect(checkWebhookUrl('https://token@hooks.example.com/', strict())).resolves.toMatchObject({ ok: false });
  });

  it('refuses text that is not a URL, and an absurdly long one', async () => {
    await expect(checkWebhookUrl('hooks.example.com/sales', strict())).resolves.toEqual({ ok: false, reason: 'is not a valid URL' });
    await expect(checkWebhookUrl(`https://hooks.example.com/${'a'.repeat(3000)}`, strict())).resolves.toMatchObject({ ok: false });
  });

  it.each([
    ['http://127.0.0.1/', 'loopback'],
    ['http://127.1/', 'loopback'],
    ['http://0x7f000001/', 'loopback'],
    ['http://2130706433/', 'loopback'],
    ['http://017700000001/', 'loopback'],
    ['http://[::1]/', 'loopback'],
    ['http://[::ffff:127.0.0.1]/', 'loopback'],
    ['http://[0:0:0:0:0:ffff:7f00:1]/', 'loopback'],
    ['http://10.0.0.1:8080/hook', 'private'],
    ['http://172.16.5.4/', 'private'],
    ['http://192.168.1.1/', 'private'],
    ['http://[fd00::1]/', 'private'],
    ['http://169.254.169.254/latest/meta-data/', 'link-local'],
    ['http://[::ffff:169.254.169.254]/', 'link-local'],
    ['http://[fe80::1]/', 'link-local'],
    ['http://0.0.0.0/', 'unspecified'],
    ['http://0/', 'unspecified'],
    ['http://[::]/', 'unspecified'],
    ['http://100.64.0.1/', 'carrier-grade NAT'],
  ])('refuses %s (%s) without asking DNS', async (url, range) => {
    const lookup = dns({});
    const result = await checkWebhookUrl(url, strict(lookup));
    expect(result).toEqual({ ok: false, reason: expect.stringContaining(`a ${range} address`) });
    expect(lookup).not.toHaveBeenCalled();
  });

  it('refuses http://localhost/ because it resolves to loopback', async () => {
    const lookup = dns({ localhost: ['127.0.0.1', '::1'] });
    await expect(checkWebhookUrl('http://localhost:3000/hook', strict(lookup))).resolves.toEqual({
      ok: false,
      reason: 'host localhost resolves to 127.0.0.1, a loopback address',
    });
  });

  it('refuses a public-looking name that points at the cloud metadata service', async () => {
    const lookup = dns({ 'metadata.attacker.example': ['169.254.169.254'] });
    await expect(checkWebhookUrl('https://metadata.attacker.example/', strict(lookup))).resolves.toMatchObject({ ok: false });
  });

  it('refuses a name when any one of its addresses is private', async () => {
    const lookup = dns({ 'mixed.example.com': ['93.184.216.34', '::ffff:10.0.0.7'] });
    await expect(checkWebhookUrl('https://mixed.example.com/', strict(lookup))).resolves.toEqual({
      ok: false,
      reason: 'host mixed.example.com resolves to ::ffff:10.0.0.7, a private address',
    });
  });

  it('refuses a name that does not resolve or has no addresses', async () => {
    await expect(checkWebhookUrl('https://nowhere.example.com/', strict())).resolves.toEqual({
      ok: false,
      reason: 'host nowhere.example.com could not be resolved',
    });
    await expect(checkWebhookUrl('https://empty.example.com/', strict(dns({ 'empty.example.com': [] })))).resolves.toMatchObject({ ok: false });
  });

  it('with private networks allowed, accepts localhost and private addresses without asking DNS', async () => {
    const lookup = dns({});
    const open = { allowPrivate: true, lookup };
    await expect(checkWebhookUrl('http://localhost:3000/hook', open)).resolves.toEqual({ ok: true });
    await expect(checkWebhookUrl('http://192.168.1.20/hook', open)).resolves.toEqual({ ok: true });
    expect(lookup).not.toHaveBeenCalled();
  });

  it('with private networks allowed, still refuses other schemes and credentials', async () => {
    const open = { allowPrivate: true, lookup: dns({}) };
    await expect(checkWebhookUrl('file:///etc/passwd', open)).resolves.toMatchObject({ ok: false });
    await expect(checkWebhookUrl('http://admin:admin@localhost/', open)).resolves.toMatchObject({ ok: false });
  });
});
