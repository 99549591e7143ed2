import { HONEYPOT_LINK_INDEX } from './honeypot.js';
import { classifyHits, type PriorClick, type ScannerSettings } from './scanner-rules.js';
import type { TrackingHit } from './tracking-hit.js';

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const SETTINGS: ScannerSettings = { scannerWindowMs: 10_000, burstWindowMs: 2_000, honeypotPeerWindowMs: 60_000 };
const M = '11111111-1111-4111-8111-111111111111';
const OTHER = '22222222-2222-4222-8222-222222222222';
const SENT = Date.parse('2026-03-02T10:00:00Z');
const messages = new Map([[M, { sentAt: SENT }], [OTHER, { sentAt: SENT }]]);

let n = 0;
function hit(over: Partial<TrackingHit>): TrackingHit {
  n++;
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    kind: 'click',
    messageId: M,
    linkIndex: 0,
    url: 'https://example.be/pricing',
    method: 'GET',
    userAgent: CHROME,
    ip: '198.51.100.7',
    at: SENT + 3_600_000,
    ...over,
  };
}

function prior(over: Partial<PriorClick>): PriorClick {
  return { id: hit({}).id, messageId: M, linkIndex: 0, ip: '198.51.100.7', at: SENT + 3_600_000, machine: false, ...over };
}

const reasons = (hits: TrackingHit[], past: PriorClick[] = []) => classifyHits(hits, messages, past, SETTINGS).verdicts.map((v) => v.reason);

describe('scanner rules', () => {
  it('a person clicking an hour after the send is a person', () => {
    expect(reasons([hit({})])).toEqual(['human']);
  });

  it('a click seconds after the send is a link scanner; after the window it is a person', () => {
    expect(reasons([hit({ at: SENT + 3_000 })])).toEqual(['scanner_too_soon']);
    expect(reasons([hit({ at: SENT + 10_000 })])).toEqual(['human']);
  });

  it('a click on a message not marked sent yet is a scanner at delivery time', () => {
    const unsent = new Map([[M, { sentAt: null }]]);
    expect(classifyHits([hit({})], unsent, [], SETTINGS).verdicts[0].reason).toBe('scanner_too_soon');
  });

  it('opens are never judged by timing: a person may open at once', () => {
    expect(reasons([hit({ kind: 'open', linkIndex: null, url: null, at: SENT + 1_000 })])).toEqual(['human']);
  });

  it('two different links of one message clicked within the burst window are both a scanner', () => {
    expect(reasons([hit({ linkIndex: 0 }), hit({ linkIndex: 1, at: SENT + 3_601_500 })])).toEqual(['scanner_burst', 'scanner_burst']);
  });

  it('the same link clicked twice (a double click) is not a burst', () => {
    expect(reasons([hit({ linkIndex: 0 }), hit({ linkIndex: 0, at: SENT + 3_600_300 })])).toEqual(['human', 'human']);
  });

  it('clicks on different messages, or further apart than the window, are not a burst', () => {
    expect(reasons([hit({ linkIndex: 0 }), hit({ linkIndex: 1, messageId: OTHER })])).toEqual(['human', 'human']);
    expect(reasons([hit({ linkIndex: 0 }), hit({ linkIndex: 1, at: SENT + 3_602_500 })])).toEqual(['human', 'human']);
  });

  it('an earlier stored click that turns out to open a burst is reclassified', () => {
    const earlier = prior({ linkIndex: 2, at: SENT + 3_599_000 });
    const result = classifyHits([hit({ linkIndex: 0 })], messages, [earlier], SETTINGS);
    expect(result.verdicts[0].reason).toBe('scanner_burst');
    expect(result.reclassified).toEqual([{ id: earlier.id, reason: 'scanner_burst' }]);
  });

  it('does not report stored clicks that were already machine, or that are this batch delivered again', () => {
    const again = hit({ linkIndex: 1 });
    const result = classifyHits(
      [hit({ linkIndex: 0 }), again],
      messages,
      [prior({ linkIndex: 3, machine: true, at: SENT + 3_599_500 }), prior({ id: again.id, linkIndex: 1 })],
      SETTINGS,
    );
    expect(result.reclassified).toEqual([]);
    expect(result.verdicts.map((v) => v.reason)).toEqual(['scanner_burst', 'scanner_burst']);
  });

  it('the honeypot marks the clicks of the same requester on that message, before and after', () => {
    const before = prior({ linkIndex: 0, at: SENT + 3_550_000 });
    const result = classifyHits(
      [hit({ linkIndex: HONEYPOT_LINK_INDEX, url: null }), hit({ linkIndex: 1, at: SENT + 3_630_000 }), hit({ linkIndex: 1, ip: '203.0.113.9', at: SENT + 3_630_000 })],
      messages,
      [before],
      SETTINGS,
    );
    expect(result.verdicts.map((v) => v.reason)).toEqual(['honeypot', 'scanner_honeypot_peer', 'human']);
    expect(result.reclassified).toEqual([{ id: before.id, reason: 'scanner_honeypot_peer' }]);
  });

  it('a click from an unknown address is no peer of a honeypot click from an unknown address', () => {
    const result = classifyHits([hit({ linkIndex: HONEYPOT_LINK_INDEX, url: null, ip: null }), hit({ linkIndex: 1, ip: null, at: SENT + 3_630_000 })], messages, [], SETTINGS);
    expect(result.verdicts.map((v) => v.reason)).toEqual(['honeypot', 'human']);
  });

  it('request signals come first and keep their reason', () => {
    expect(reasons([hit({ method: 'HEAD', at: SENT + 1_000 }), hit({ userAgent: 'curl/8.5.0' })])).toEqual(['head_request', 'bot_user_agent']);
  });
});
