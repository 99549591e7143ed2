import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { SHORT_MESSAGE_MAX, ShortHmac } from './short-hmac.js';

describe('ShortHmac', () => {
  it('matches the RFC 4231 test case 2 for HMAC-SHA256', () => {
    const mac = new ShortHmac(Buffer.from('Jefe')).mac(Buffer.from('what do ya want for nothing?'));
    expect(mac.toString('hex')).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });

  it('gives exactly what node:crypto gives, for any key and any message (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 120 }), (key, message) => {
        const expected = createHmac('sha256', key).update(message).digest('hex');
        expect(new ShortHmac(key).mac(message).toString('hex')).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('can be reused: one MAC does not leak into the next', () => {
    const hmac = new ShortHmac(Buffer.from('k'));
    const first = hmac.mac(Buffer.alloc(SHORT_MESSAGE_MAX, 0xff)).toString('hex');
    hmac.mac(Buffer.from('other'));
    expect(hmac.mac(Buffer.alloc(SHORT_MESSAGE_MAX, 0xff)).toString('hex')).toBe(first);
  });
});
