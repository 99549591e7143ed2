import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { InvalidTrackingPayload, TrackingTokenCodec, signToken, verifyToken } from './tracking-token.js';

const SECRET = 'tracking-secret-for-tests-0123456789';
const MESSAGE = '3f1c2a9e-7b4d-4e21-9a0f-5c6d7e8f9a0b';

describe('tracking tokens', () => {
  it('a click token carries the message and the link it was made for', () => {
    const token = signToken(SECRET, { k: 'c', m: MESSAGE, l: 7 });
    expect(verifyToken(SECRET, token, 'c')).toEqual({ k: 'c', m: MESSAGE, l: 7 });
  });

  it('an open token and an unsubscribe token carry only the message', () => {
    expect(verifyToken(SECRET, signToken(SECRET, { k: 'o', m: MESSAGE }), 'o')).toEqual({ k: 'o', m: MESSAGE });
    expect(verifyToken(SECRET, signToken(SECRET, { k: 'u', m: MESSAGE }), 'u')).toEqual({ k: 'u', m: MESSAGE });
  });

  it('is short enough to sit in every link of an email', () => {
    expect(signToken(SECRET, { k: 'c', m: MESSAGE, l: 300 }).length).toBeLessThanOrEqual(50);
    expect(signToken(SECRET, { k: 'o', m: MESSAGE })).toMatch(/^[A-Za-z0-9_-]{23}\.[A-Za-z0-9_-]{22}$/);
  });

  it('rejects a token in which any single character of its message part or MAC was changed', () => {
    for (const token of [signToken(SECRET, { k: 'c', m: MESSAGE, l: 3 }), signToken(SECRET, { k: 'o', m: MESSAGE })]) {
      const signedPart = token.split('.').slice(0, 2).join('.').length;
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
      for (let i = 0; i < signedPart; i++) {
        for (const replacement of alphabet) {
          if (replacement === token[i]) continue;
          const tampered = token.slice(0, i) + replacement + token.slice(i + 1);
          expect(verifyToken(SECRET, tampered, 'c')).toBeNull();
          expect(verifyToken(SECRET, tampered, 'o')).toBeNull();
        }
      }
    }
  });

  it('signs one MAC per message: a changed link index names another link of the same message, or nothing', () => {
    const token = signToken(SECRET, { k: 'c', m: MESSAGE, l: 3 });
    const prefix = token.slice(0, token.lastIndexOf('.') + 1);
    expect(signToken(SECRET, { k: 'c', m: MESSAGE, l: 12 })).toBe(`${prefix}12`);
    expect(verifyToken(SECRET, `${prefix}65535`, 'c')).toEqual({ k: 'c', m: MESSAGE, l: 65535 });
    // Not canonical, out of range, or not a number: no token, so each (message, link) has exactly one.
    for (const index of ['', '03', '-1', '+1', '1.0', '65536', '999999', '1e2', 'a', '3 ', '0x3', '3.']) {
      expect(verifyToken(SECRET, `${prefix}${index}`, 'c')).toBeNull();
    }
    // An open or unsubscribe token takes no index, and a click's MAC is not an open's.
    const open = signToken(SECRET, { k: 'o', m: MESSAGE });
    expect(verifyToken(SECRET, `${open}.3`, 'o')).toBeNull();
    expect(verifyToken(SECRET, `${open}.3`, 'c')).toBeNull();
    expect(verifyToken(SECRET, prefix.slice(0, -1), 'c')).toBeNull();
    expect(verifyToken(SECRET, prefix.slice(0, -1), 'o')).toBeNull();
  });

  it('still verifies click tokens of the earlier format (the link index inside the MAC), as in emails already sent', () => {
    const key = createHmac('sha256', SECRET).update('nurture-engine/tracking-token/v1').digest();
    const legacy = (l: number) => {
      const payload = Buffer.concat([Buffer.from([0x12]), Buffer.from(MESSAGE.replace(/-/g, ''), 'hex'), varint(l)]);
      const mac = createHmac('sha256', key).update(payload).digest().subarray(0, 16);
      return `${payload.toString('base64url')}.${mac.toString('base64url')}`;
    };
    for (const l of [0, 7, 300, 65535]) expect(verifyToken(SECRET, legacy(l), 'c')).toEqual({ k: 'c', m: MESSAGE, l });
    expect(verifyToken(SECRET, `${legacy(7)}.8`, 'c')).toBeNull();
  });

  it('rejects a token with any single bit of its bytes flipped', () => {
    const token = signToken(SECRET, { k: 'o', m: MESSAGE });
    const [payload, mac] = token.split('.').map((part) => Buffer.from(part, 'base64url'));
    for (const [part, which] of [[payload, 0], [mac, 1]] as const) {
      for (let byte = 0; byte < part.length; byte++) {
        for (let bit = 0; bit < 8; bit++) {
          const copy = Buffer.from(part);
          copy[byte] ^= 1 << bit;
          const parts = [payload, mac];
          parts[which] = copy;
          expect(verifyToken(SECRET, parts.map((p) => p.toString('base64url')).join('.'), 'o')).toBeNull();
        }
      }
    }
  });

  it('rejects a token signed with another secret', () => {
    const foreign = signToken('someone-elses-secret', { k: 'c', m: MESSAGE, l: 0 });
    expect(verifyToken(SECRET, foreign, 'c')).toBeNull();
  });

  it('does not let an open token be used as a click or an unsubscribe', () => {
    const open = signToken(SECRET, { k: 'o', m: MESSAGE });
    expect(verifyToken(SECRET, open, 'c')).toBeNull();
    expect(verifyToken(SECRET, open, 'u')).toBeNull();
    const unsubscribe = signToken(SECRET, { k: 'u', m: MESSAGE });
    expect(verifyToken(SECRET, unsubscribe, 'o')).toBeNull();
  });

  it('answers null, without throwing, to garbage', () => {
    const garbage: unknown[] = ['', '.', 'abc', 'a.b', '...', `${'A'.repeat(24)}.`, '%%%.%%%', 'x'.repeat(10_000), null, 42, {}];
    for (const token of garbage) expect(verifyToken(SECRET, token, 'o')).toBeNull();
    expect(verifyToken('', signToken(SECRET, { k: 'o', m: MESSAGE }), 'o')).toBeNull();
  });

  it('refuses to sign a payload that is not a token', () => {
    expect(() => signToken(SECRET, { k: 'c', m: 'not-a-uuid', l: 1 })).toThrow(InvalidTrackingPayload);
    // An empty id on a codec that signed nothing yet is checked too (it once signed the all-zero message).
    expect(() => new TrackingTokenCodec(SECRET).sign({ k: 'o', m: '' })).toThrow(InvalidTrackingPayload);
    expect(() => signToken(SECRET, { k: 'c', m: MESSAGE })).toThrow(InvalidTrackingPayload);
    expect(() => signToken(SECRET, { k: 'o', m: MESSAGE, l: 1 })).toThrow(InvalidTrackingPayload);
    expect(() => signToken(SECRET, { k: 'c', m: MESSAGE, l: -1 })).toThrow(InvalidTrackingPayload);
    expect(() => new TrackingTokenCodec('')).toThrow(InvalidTrackingPayload);
  });

  it('round-trips any message, kind and link index (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 80 }),
        fc.uuid(),
        fc.constantFrom('o' as const, 'c' as const, 'u' as const),
        fc.integer({ min: 0, max: 0xffff }),
        (secret, m, k, l) => {
          const codec = new TrackingTokenCodec(secret);
          const payload = k === 'c' ? { k, m, l } : { k, m };
          const token = codec.sign(payload);
          expect(codec.verify(token, k)).toEqual({ ...payload, m: m.toLowerCase() });
          expect(new TrackingTokenCodec(`${secret}x`).verify(token, k)).toBeNull();
        },
      ),
    );
  });
});

function varint(n: number): Buffer {
  const bytes: number[] = [];
  while (n >= 0x80) {
    bytes.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  bytes.push(n);
  return Buffer.from(bytes);
}
