import { boundUserAgent, decodeHit, encodeHit, type TrackingHit } from './tracking-hit.js';

const HIT: TrackingHit = {
  id: '3f1c2a9e-7b4d-4e21-9a0f-5c6d7e8f9a0b',
  kind: 'click',
  messageId: 'a1b2c3d4-0000-4000-8000-000000000001',
  linkIndex: 3,
  url: 'https://example.be/pricing?x="1"',
  method: 'GET',
  userAgent: 'Mozilla/5.0 (X11; Linux x86_64)',
  ip: '2001:db8::1',
  at: 1_772_445_600_123,
};

describe('tracking hits in the buffer', () => {
  it('round-trip through their encoding', () => {
    expect(decodeHit(encodeHit(HIT))).toEqual(HIT);
    const open: TrackingHit = { ...HIT, kind: 'open', linkIndex: null, url: null, userAgent: null, ip: null, method: 'HEAD' };
    expect(decodeHit(encodeHit(open))).toEqual(open);
  });

  it('refuses anything else instead of guessing', () => {
    for (const bad of ['', 'nope', '{}', '[]', JSON.stringify([2, ...JSON.parse(encodeHit(HIT)).slice(1)])]) expect(decodeHit(bad)).toBeNull();
    const fields = JSON.parse(encodeHit(HIT));
    expect(decodeHit(JSON.stringify(fields.map((f: unknown, i: number) => (i === 3 ? 'not-a-uuid' : f))))).toBeNull();
    expect(decodeHit(JSON.stringify(fields.map((f: unknown, i: number) => (i === 6 ? 'POST' : f))))).toBeNull();
  });

  it('keeps stored user agents bounded', () => {
    expect(boundUserAgent(undefined)).toBeNull();
    expect(boundUserAgent('x'.repeat(5000))).toHaveLength(512);
  });
});
