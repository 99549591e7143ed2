import { randomUUID } from 'node:crypto';
import { ManualClock } from '../src/common/clock.js';
import { HONEYPOT_LINK_INDEX } from '../src/tracking/domain/honeypot.js';
import { TRANSPARENT_GIF } from '../src/tracking/domain/pixel.js';
import { signToken, type TrackingPayload } from '../src/tracking/domain/tracking-token.js';
import { eventually, startTestApp, TestApp } from './support/test-app.js';

const IPHONE_MAIL = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148';
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const LINKS = [
  { index: 0, url: 'https://example.be/pricing' },
  { index: 1, url: 'https://example.be/blog/website-kosten?utm_source=nurture' },
];

interface Interaction {
  kind: string;
  link_index: number | null;
  url: string | null;
  machine: boolean;
  reason: string;
  user_agent: string | null;
}

describe('open and click tracking', () => {
  let t: TestApp;
  const clock = new ManualClock('2026-03-02T10:00:00Z');

  beforeAll(async () => {
    // The scoring sweep scores tracked events only after the burst window (as in production), so a scanner
    // found by a later click is corrected before anything scores.
    t = await startTestApp({ clock });
  });
  afterAll(async () => {
    await t?.close();
  });

  const token = (payload: TrackingPayload) => signToken(t.config.trackingSecret, payload);

  async function newLead(email = `lead-${randomUUID()}@example.be`): Promise<string> {
    const res = await t.api('post', '/api/v1/leads').send({ email, locale: 'nl' });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  /** A nurture email as delivery leaves it once sent: status sent, the original links, sent_at. */
  async function sentMessage(leadId: string | null, opts: { sentAgoMs?: number; kind?: 'nurture' | 'test'; links?: unknown[] } = {}): Promise<string> {
    const sentAt = new Date(clock.now().getTime() - (opts.sentAgoMs ?? 3_600_000));
    const [row] = await t.db.query(
      `INSERT INTO email_messages (idempotency_key, kind, lead_id, to_address, template_id, step_id, enrollment_id, status, links, sent_at, sending_at)
       VALUES ($1, $2, $3, 'x@example.be', $4, 'welcome', $5, 'sent', $6, $7, $7) RETURNING id`,
      [randomUUID(), opts.kind ?? 'nurture', leadId, randomUUID(), randomUUID(), JSON.stringify(opts.links ?? LINKS), sentAt.toISOString()],
    );
    return row.id;
  }

  const interactions = (messageId: string): Promise<Interaction[]> =>
    t.db.query(`SELECT kind, link_index, url, machine, reason, user_agent FROM email_interactions WHERE message_id = $1 ORDER BY occurred_at, link_index`, [messageId]);

  async function recorded(messageId: string, count = 1): Promise<Interaction[]> {
    return eventually(async () => {
      const rows = await interactions(messageId);
      return rows.length >= count ? rows : null;
    });
  }

  /** Everything buffered before this call is stored once a sentinel open sent now is stored (the buffer is FIFO). */
  async function bufferDrained(): Promise<void> {
    const sentinel = await sentMessage(await newLead());
    await t.http().get(`/t/o/${token({ k: 'o', m: sentinel })}`).set('user-agent', IPHONE_MAIL).expect(200);
    await recorded(sentinel);
  }

  /** Waits until the lead's events have been through scoring, then returns its ledger. */
  async function scoredLedger(leadId: string): Promise<{ rule_id: string; points: number }[]> {
    await eventually(async () => {
      const [{ events }] = await t.db.query(`SELECT count(*)::int AS events FROM events WHERE lead_id = $1 AND type LIKE 'email_%'`, [leadId]);
      const [{ waiting }] = await t.db.query(`SELECT count(*)::int AS waiting FROM scoring_queue WHERE lead_id = $1`, [leadId]);
      return events > 0 && waiting === 0;
    });
    return t.db.query(`SELECT rule_id, points FROM score_ledger WHERE lead_id = $1 ORDER BY id`, [leadId]);
  }

  describe('the open pixel', () => {
    it('answers a transparent 1×1 GIF that is never cached, and records a human open that scores', async () => {
      const leadId = await newLead();
      const messageId = await sentMessage(leadId);
      const res = await t.http().get(`/t/o/${token({ k: 'o', m: messageId })}`).set('user-agent', IPHONE_MAIL);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('image/gif');
      expect(res.headers['cache-control']).toMatch(/no-store/);
      expect(res.headers['x-request-id']).toEqual(expect.any(String)); // answered in front of Fastify, with its request id
      expect(res.body.subarray(0, 6).toString()).toBe('GIF89a');
      expect([res.body.readUInt16LE(6), res.body.readUInt16LE(8)]).toEqual([1, 1]); // width × height
      expect(res.body.includes(Buffer.from([0x21, 0xf9, 0x04, 0x01]))).toBe(true); // graphic control: transparent
      expect(Buffer.compare(res.body, TRANSPARENT_GIF)).toBe(0); // byte for byte, bytes above 0x7f included
      expect(res.headers['content-length']).toBe(String(TRANSPARENT_GIF.length));

      const [open] = await recorded(messageId);
      expect(open).toMatchObject({ kind: 'open', machine: false, reason: 'human', user_agent: IPHONE_MAIL });
      const [event] = await t.db.query(`SELECT type, machine, properties FROM events WHERE lead_id = $1`, [leadId]);
      expect(event).toMatchObject({ type: 'email_opened', machine: false, properties: { messageId, stepId: 'welcome' } });
      expect(event.properties.templateId).toEqual(expect.any(String));
      expect(event.properties.enrollmentId).toEqual(expect.any(String));
      expect(Object.keys(event.properties).sort()).toEqual(['enrollmentId', 'messageId', 'stepId', 'templateId']); // nothing else
      expect(await scoredLedger(leadId)).toEqual([{ rule_id: 'email-opened', points: 1 }]);
    });

    it('records an Apple Mail Privacy Protection prefetch as machine, scoring nothing', async () => {
      const leadId = await newLead();
      const messageId = await sentMessage(leadId);
      await t.http().get(`/t/o/${token({ k: 'o', m: messageId })}`).set('user-agent', 'Mozilla/5.0').expect(200);
      const [open] = await recorded(messageId);
      expect(open).toMatchObject({ machine: true, reason: 'apple_privacy_proxy' });
      const [event] = await t.db.query(`SELECT type, machine, properties FROM events WHERE lead_id = $1`, [leadId]);
      expect(event).toMatchObject({ type: 'email_opened', machine: true, properties: { messageId, machineReason: 'apple_privacy_proxy' } });
      expect(Object.keys(event.properties).sort()).toEqual(['enrollmentId', 'machineReason', 'messageId', 'stepId', 'templateId']);
      expect(await scoredLedger(leadId)).toEqual([]);
    });

    it('records the Gmail image proxy and known bots as machine', async () => {
      const messageId = await sentMessage(await newLead());
      const open = `/t/o/${token({ k: 'o', m: messageId })}`;
      await t.http().get(open).set('user-agent', 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)').expect(200);
      await t.http().get(open).set('user-agent', 'Barracuda Sentinel (EE)').expect(200);
      const rows = await recorded(messageId, 2);
      expect(rows.map((r) => r.reason).sort()).toEqual(['bot_user_agent', 'image_proxy']);
      expect(rows.every((r) => r.machine)).toBe(true);
    });

    it('still answers the GIF for a bad token, and records nothing', async () => {
      const messageId = await sentMessage(await newLead());
      const good = token({ k: 'o', m: messageId });
      for (const bad of [`${good.slice(0, -1)}${good.endsWith('A') ? 'B' : 'A'}`, signToken('someone-elses-secret-0123456789abcdef', { k: 'o', m: messageId }), 'garbage']) {
        const res = await t.http().get(`/t/o/${bad}`).set('user-agent', IPHONE_MAIL);
        expect(res.status).toBe(200);
        expect(res.headers['content-type']).toBe('image/gif');
      }
      await bufferDrained();
      expect(await interactions(messageId)).toEqual([]);
    });

    it('records a HEAD request as machine', async () => {
      const messageId = await sentMessage(await newLead());
      await t.http().head(`/t/o/${token({ k: 'o', m: messageId })}`).set('user-agent', IPHONE_MAIL).expect(200);
      const [open] = await recorded(messageId);
      expect(open).toMatchObject({ machine: true, reason: 'head_request' });
    });
  });

  describe('the fast path in front of Fastify', () => {
    it('keeps what the app-wide hooks did: the caller’s request id, the client address behind a proxy', async () => {
      const messageId = await sentMessage(await newLead());
      const res = await t
        .http()
        .get(`/t/c/${token({ k: 'c', m: messageId, l: 0 })}`)
        .set('user-agent', CHROME)
        .set('x-request-id', 'req-from-the-edge')
        .set('x-forwarded-for', '203.0.113.7, 10.0.0.2');
      expect(res.status).toBe(302);
      expect(res.headers['x-request-id']).toBe('req-from-the-edge');
      expect(res.headers['content-length']).toBe('0');
      await recorded(messageId);
      const [row] = await t.db.query(`SELECT ip FROM email_interactions WHERE message_id = $1`, [messageId]);
      expect(row.ip).toBe('203.0.113.7');
    });

    it('leaves other requests to Fastify: a percent-encoded token still redirects, other methods and paths are not tracking', async () => {
      const messageId = await sentMessage(await newLead());
      const encoded = token({ k: 'c', m: messageId, l: 1 }).replace(/\./g, '%2E');
      const res = await t.http().get(`/t/c/${encoded}`).set('user-agent', CHROME);
      expect(res.status).toBe(302);
      expect(res.headers.location).toBe(LINKS[1].url);
      expect(res.headers['x-request-id']).toEqual(expect.any(String));
      expect((await t.http().post(`/t/c/${token({ k: 'c', m: messageId, l: 1 })}`).set('user-agent', CHROME)).status).toBe(404);
      expect((await t.http().get(`/t/c/${token({ k: 'c', m: messageId, l: 1 })}/extra`).set('user-agent', CHROME)).status).toBe(404);
      const rows = await recorded(messageId);
      await bufferDrained();
      expect(rows).toHaveLength(1);
      expect(await interactions(messageId)).toHaveLength(1);
    });
  });

  describe('click redirects', () => {
    it('redirect to the link stored with the message, and a person’s click scores', async () => {
      const leadId = await newLead();
      const messageId = await sentMessage(leadId);
      const res = await t.http().get(`/t/c/${token({ k: 'c', m: messageId, l: 1 })}`).set('user-agent', CHROME);
      expect(res.status).toBe(302);
      expect(res.headers.location).toBe(LINKS[1].url);
      expect(res.headers['cache-control']).toMatch(/no-store/);

      const [click] = await recorded(messageId);
      expect(click).toMatchObject({ kind: 'click', link_index: 1, url: LINKS[1].url, machine: false, reason: 'human' });
      const [event] = await t.db.query(`SELECT type, machine, properties FROM events WHERE lead_id = $1`, [leadId]);
      expect(event).toMatchObject({ type: 'email_clicked', machine: false, properties: { messageId, linkIndex: 1, url: LINKS[1].url, stepId: 'welcome' } });
      expect(Object.keys(event.properties).sort()).toEqual(['enrollmentId', 'linkIndex', 'messageId', 'stepId', 'templateId', 'url']);
      expect(await scoredLedger(leadId)).toEqual([{ rule_id: 'email-clicked', points: 3 }]);
    });

    it('answer 404 without redirecting or recording for a tampered token, a foreign secret, or an open token', async () => {
      const messageId = await sentMessage(await newLead());
      const good = token({ k: 'c', m: messageId, l: 0 });
      const tampered = `${good.slice(0, 5)}${good[5] === 'x' ? 'y' : 'x'}${good.slice(6)}`;
      const foreign = signToken('someone-elses-secret-0123456789abcdef', { k: 'c', m: messageId, l: 0 });
      const openToken = token({ k: 'o', m: messageId });
      const unsubscribeToken = token({ k: 'u', m: messageId });
      for (const bad of [tampered, foreign, openToken, unsubscribeToken, 'x'.repeat(60)]) {
        const res = await t.http().get(`/t/c/${bad}`).set('user-agent', CHROME);
        expect(res.status).toBe(404);
        expect(res.headers.location).toBeUndefined();
      }
      await bufferDrained();
      expect(await interactions(messageId)).toEqual([]);
    });

    it('cannot be made to redirect anywhere else: the target never comes from the request', async () => {
      const messageId = await sentMessage(await newLead(), {
        links: [...LINKS, { index: 2, url: 'javascript:alert(document.cookie)' }],
      });
      const valid = token({ k: 'c', m: messageId, l: 0 });
      const res = await t.http().get(`/t/c/${valid}?url=https://evil.example/&u=https://evil.example/`).set('user-agent', CHROME);
      expect(res.status).toBe(302);
      expect(res.headers.location).toBe(LINKS[0].url);
      // A link index the message does not have, and a stored target that is not http(s): no redirect.
      expect((await t.http().get(`/t/c/${token({ k: 'c', m: messageId, l: 7 })}`).set('user-agent', CHROME)).status).toBe(404);
      expect((await t.http().get(`/t/c/${token({ k: 'c', m: messageId, l: 2 })}`).set('user-agent', CHROME)).status).toBe(404);
      // A validly signed token for a message that does not exist.
      expect((await t.http().get(`/t/c/${token({ k: 'c', m: randomUUID(), l: 0 })}`).set('user-agent', CHROME)).status).toBe(404);
      const rows = await recorded(messageId);
      await bufferDrained();
      expect(rows.map((r) => r.link_index)).toEqual([0]);
      expect(await interactions(messageId)).toHaveLength(1);
    });

    it('records a HEAD request as machine and scores nothing', async () => {
      const leadId = await newLead();
      const messageId = await sentMessage(leadId);
      const res = await t.http().head(`/t/c/${token({ k: 'c', m: messageId, l: 0 })}`).set('user-agent', CHROME);
      expect(res.status).toBe(302);
      expect(res.headers.location).toBe(LINKS[0].url);
      const [click] = await recorded(messageId);
      expect(click).toMatchObject({ machine: true, reason: 'head_request' });
      expect(await scoredLedger(leadId)).toEqual([]);
    });

    it('treats a click seconds after the send as a link scanner, and one after the window as a person', async () => {
      const leadId = await newLead();
      const early = await sentMessage(leadId, { sentAgoMs: 3_000 });
      const later = await sentMessage(leadId, { sentAgoMs: 10_000 });
      await t.http().get(`/t/c/${token({ k: 'c', m: early, l: 0 })}`).set('user-agent', CHROME).expect(302);
      await t.http().get(`/t/c/${token({ k: 'c', m: later, l: 0 })}`).set('user-agent', CHROME).expect(302);
      expect((await recorded(early))[0]).toMatchObject({ machine: true, reason: 'scanner_too_soon' });
      expect((await recorded(later))[0]).toMatchObject({ machine: false, reason: 'human' });
    });

    it('answers the honeypot link harmlessly and marks it, and the scanner’s other click on that message, as machine', async () => {
      const leadId = await newLead();
      const messageId = await sentMessage(leadId);
      await t.http().get(`/t/c/${token({ k: 'c', m: messageId, l: 0 })}`).set('user-agent', CHROME).expect(302);
      await recorded(messageId);
      clock.advance(5_000); // outside the burst window: only the honeypot gives the scanner away
      const trap = await t.http().get(`/t/c/${token({ k: 'c', m: messageId, l: HONEYPOT_LINK_INDEX })}`).set('user-agent', CHROME);
      expect(trap.status).toBe(200);
      expect(trap.headers.location).toBeUndefined();
      expect(trap.text).not.toMatch(/example\.be/);
      const rows = await eventually(async () => {
        const r = await interactions(messageId);
        return r.length === 2 && r[0].machine ? r : null;
      });
      expect(rows.map((r) => [r.link_index, r.reason])).toEqual([
        [0, 'scanner_honeypot_peer'],
        [HONEYPOT_LINK_INDEX, 'honeypot'],
      ]);
      expect(await scoredLedger(leadId)).toEqual([]);
      const events = await t.db.query(`SELECT machine FROM events WHERE lead_id = $1`, [leadId]);
      expect(events).toEqual([{ machine: true }, { machine: true }]);
    });

    it('marks a click as the scanner’s when that address clicked the honeypot earlier, beyond the burst window', async () => {
      const leadId = await newLead();
      const messageId = await sentMessage(leadId);
      await t.http().get(`/t/c/${token({ k: 'c', m: messageId, l: HONEYPOT_LINK_INDEX })}`).set('user-agent', CHROME).expect(200);
      await recorded(messageId);
      clock.advance(40_000); // far outside the burst window, within the honeypot-peer minute
      await t.http().get(`/t/c/${token({ k: 'c', m: messageId, l: 1 })}`).set('user-agent', CHROME).expect(302);
      const rows = await eventually(async () => {
        const r = await interactions(messageId);
        return r.length === 2 ? r : null;
      });
      expect(rows.map((r) => [r.link_index, r.machine, r.reason])).toEqual([
        [HONEYPOT_LINK_INDEX, true, 'honeypot'],
        [1, true, 'scanner_honeypot_peer'],
      ]);
      // A minute and more later, a click on that message is a person's again.
      clock.advance(61_000);
      await t.http().get(`/t/c/${token({ k: 'c', m: messageId, l: 0 })}`).set('user-agent', CHROME).expect(302);
      const later = await eventually(async () => {
        const r = await interactions(messageId);
        return r.length === 3 ? r : null;
      });
      expect(later.map((r) => [r.link_index, r.machine, r.reason])[2]).toEqual([0, false, 'human']);
      clock.advance(3_000); // past the burst window, so the sweep scores it
      expect((await scoredLedger(leadId)).map((r) => r.rule_id)).toEqual(['email-clicked']);
    });

    it('treats several links of one message clicked within a second or two as a scanner’s burst', async () => {
      const leadId = await newLead();
      const messageId = await sentMessage(leadId);
      await t.http().get(`/t/c/${token({ k: 'c', m: messageId, l: 0 })}`).set('user-agent', CHROME).expect(302);
      await recorded(messageId);
      clock.advance(1_200);
      await t.http().get(`/t/c/${token({ k: 'c', m: messageId, l: 1 })}`).set('user-agent', CHROME).expect(302);
      const rows = await eventually(async () => {
        const r = await interactions(messageId);
        return r.length === 2 && r.every((x) => x.machine) ? r : null;
      });
      expect(rows.map((r) => r.reason)).toEqual(['scanner_burst', 'scanner_burst']);
      expect(await scoredLedger(leadId)).toEqual([]);
    });

    it('records clicks on a test send without creating behaviour events', async () => {
      const messageId = await sentMessage(null, { kind: 'test' });
      await t.http().get(`/t/c/${token({ k: 'c', m: messageId, l: 0 })}`).set('user-agent', CHROME).expect(302);
      expect((await recorded(messageId))[0]).toMatchObject({ machine: false, reason: 'human' });
      const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM events WHERE properties->>'messageId' = $1`, [messageId]);
      expect(n).toBe(0);
    });
  });
});
