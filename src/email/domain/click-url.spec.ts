import fc from 'fast-check';
import { TrackingTokenCodec } from '../../tracking/domain/tracking-token.js';
import { clickUrlPrefix } from './click-url.js';

describe('clickUrlPrefix', () => {
  const codec = new TrackingTokenCodec('click-url-secret');
  const other = new TrackingTokenCodec('another-secret');
  const BASE = 'https://track.example.be';

  it('followed by a link index is the signed click URL of that link, which the tracking code verifies (property)', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.integer({ min: 0, max: 0xffff }), (m, l) => {
        const url = clickUrlPrefix(BASE, codec, m) + l;
        const token = codec.sign({ k: 'c', m, l });
        expect(url).toBe(`${BASE}/t/c/${token}`);
        expect(codec.verify(url.slice(`${BASE}/t/c/`.length), 'c')).toEqual({ k: 'c', m: m.toLowerCase(), l });
        expect(other.verify(token, 'c')).toBeNull();
        expect(codec.verify(token, 'o')).toBeNull();
      }),
    );
  });
});
