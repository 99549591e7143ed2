import fc from 'fast-check';
import { clientIp, fastPathRequest, MAX_FAST_PATH_TOKEN } from './fast-path.js';
import { TrackingTokenCodec } from './tracking-token.js';

const codec = new TrackingTokenCodec('fast-path-spec-secret-0123456789abcdef');
const MESSAGE = '0190f3a1-7c2b-7d4e-8f00-123456789abc';

describe('fastPathRequest', () => {
  it('takes GET and HEAD of the open pixel and click redirects, with the token as signed', () => {
    const open = codec.sign({ k: 'o', m: MESSAGE });
    const click = codec.sign({ k: 'c', m: MESSAGE, l: 3 });
    expect(fastPathRequest('GET', `/t/o/${open}`)).toEqual({ kind: 'o', token: open });
    expect(fastPathRequest('HEAD', `/t/c/${click}`)).toEqual({ kind: 'c', token: click });
  });

  it('ignores the query string, as the Fastify routes do', () => {
    expect(fastPathRequest('GET', '/t/c/abc.def.1?url=https://evil.example/')).toEqual({ kind: 'c', token: 'abc.def.1' });
    expect(fastPathRequest('GET', '/t/o/abc?')).toEqual({ kind: 'o', token: 'abc' });
  });

  it('leaves everything else to Fastify', () => {
    for (const [method, url] of [
      ['POST', '/t/o/abc'],
      ['PUT', '/t/c/abc'],
      ['OPTIONS', '/t/o/abc'],
      ['GET', '/t/u/abc'],
      ['GET', '/t/o/'],
      ['GET', '/t/o/?x=1'],
      ['GET', '/t/o'],
      ['GET', '/t/o/abc/def'],
      ['GET', '/t/o/ab%2Ecd'],
      ['GET', '/t/c/abc#x'],
      ['GET', '/tt/o/abc'],
      ['GET', '/api/v1/leads'],
      ['GET', `/t/o/${'a'.repeat(MAX_FAST_PATH_TOKEN + 1)}`],
      [undefined, '/t/o/abc'],
      ['GET', undefined],
    ] as const) {
      expect(fastPathRequest(method, url)).toBeNull();
    }
    expect(fastPathRequest('GET', `/t/o/${'a'.repeat(MAX_FAST_PATH_TOKEN)}`)).not.toBeNull();
  });

  it('returns exactly the path segment for any token-shaped segment, and null for any other character in it', () => {
    fc.assert(
      fc.property(fc.constantFrom('o', 'c'), fc.stringMatching(/^[A-Za-z0-9._-]{1,100}$/), fc.string({ maxLength: 20 }), (kind, token, query) => {
        expect(fastPathRequest('GET', `/t/${kind}/${token}?${query}`)).toEqual({ kind, token });
      }),
    );
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), (segment) => {
        const result = fastPathRequest('GET', `/t/o/${segment}`);
        if (/^[A-Za-z0-9._-]+(\?.*)?$/s.test(segment)) expect(result?.token).toBe(segment.split('?')[0]);
        else expect(result === null || !/[^A-Za-z0-9._-]/.test(result.token)).toBe(true);
      }),
    );
  });
});

describe('clientIp', () => {
  it('is the client-most X-Forwarded-For address (trustProxy: true), else the peer', () => {
    expect(clientIp('203.0.113.7, 10.0.0.2', '127.0.0.1')).toBe('203.0.113.7');
    expect(clientIp(' 203.0.113.7 ', '127.0.0.1')).toBe('203.0.113.7');
    expect(clientIp(['203.0.113.7', '10.0.0.2'], '127.0.0.1')).toBe('203.0.113.7');
    expect(clientIp(undefined, '::1')).toBe('::1');
    expect(clientIp('', '::1')).toBe('::1');
    expect(clientIp(undefined, undefined)).toBeNull();
  });
});
