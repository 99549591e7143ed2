import { HUMAN, machine } from './domain/machine-signals.js';
import type { TrackingHit } from './domain/tracking-hit.js';
import { hitsJson } from './hit-store-sql.js';

const hit = (over: Partial<TrackingHit>): TrackingHit => ({
  id: '01900000-0000-7000-8000-000000000001',
  kind: 'open',
  messageId: '11111111-1111-4111-8111-111111111111',
  linkIndex: null,
  url: null,
  method: 'GET',
  userAgent: 'Mozilla/5.0 (X11)',
  ip: '192.0.2.7',
  at: Date.UTC(2026, 0, 5, 9, 0, 0, 123),
  ...over,
});

describe('hitsJson', () => {
  it('writes one record per hit with its verdict, in order, with the time as an exact ISO timestamp', () => {
    const hits = [hit({}), hit({ id: '01900000-0000-7000-8000-000000000002', kind: 'click', linkIndex: 3, url: 'https://example.be/a?b=1', userAgent: null, ip: null })];
    const records = JSON.parse(hitsJson(hits, [HUMAN, machine('scanner_burst')]));
    expect(records).toEqual([
      { id: hits[0].id, m: hits[0].messageId, k: 'open', x: null, u: null, mc: false, r: 'human', a: 'Mozilla/5.0 (X11)', ip: '192.0.2.7', t: '2026-01-05T09:00:00.123Z' },
      { id: hits[1].id, m: hits[1].messageId, k: 'click', x: 3, u: 'https://example.be/a?b=1', mc: true, r: 'scanner_burst', a: null, ip: null, t: '2026-01-05T09:00:00.123Z' },
    ]);
  });

  it('keeps user agents with quotes, backslashes and control characters intact', () => {
    const ua = 'Agent "x" \\ \u0001 \u2028 ü';
    expect(JSON.parse(hitsJson([hit({ userAgent: ua })], [HUMAN]))[0].a).toBe(ua);
  });
});
