import { ManualClock } from '../src/common/clock.js';
import { allPages } from './support/pages.js';
import { expectRefused } from './support/problems.js';
import { eventually, startTestApp, TestApp } from './support/test-app.js';

describe('leads, events and scoring over HTTP', () => {
  let t: TestApp;
  const clock = new ManualClock('2026-03-02T10:00:00Z');

  beforeAll(async () => {
    t = await startTestApp({ clock });
  });
  afterAll(async () => {
    await t?.close();
  });

  async function ledgerPoints(leadId: string): Promise<number> {
    const [row] = await t.db.query(`SELECT coalesce(sum(points), 0)::float8 AS total, count(*)::int AS n FROM score_ledger WHERE lead_id = $1`, [leadId]);
    return row.total;
  }
  async function queued(): Promise<number> {
    const [row] = await t.db.query(`SELECT count(*)::int AS n FROM scoring_queue`);
    return row.n;
  }

  describe('leads', () => {
    it('upserts by trimmed, case-insensitive email: 201 then 200, merging what is new', async () => {
      const first = await t.api('post', '/api/v1/leads').send({
        email: ' An.Peeters@Example.be ',
        firstName: 'An',
        source: { channel: 'google_ads', campaign: 'offerte-q4', utm: { source: 'google', medium: 'cpc' } },
        consent: { status: 'granted', basis: 'consent', text: 'Ja, stuur mij tips', source: 'form:contact' },
        qualification: { need: 'nieuwe website' },
        attributes: { industry: 'food' },
      });
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({ email: 'An.Peeters@Example.be', stage: 'lead', engagementScore: 0, consent: { status: 'granted' } });

      const second = await t.api('post', '/api/v1/leads').send({
        email: 'an.peeters@example.be',
        lastName: 'Peeters',
        source: { channel: 'meta' },
        qualification: { timeline: 'voor 2027' },
        attributes: { employees: 12 },
      });
      expect(second.status).toBe(200);
      expect(second.body.id).toBe(first.body.id);
      expect(second.body).toMatchObject({
        firstName: 'An',
        lastName: 'Peeters',
        source: { channel: 'google_ads' }, // first touch is kept
        qualification: { need: 'nieuwe website', timeline: 'voor 2027' },
        attributes: { industry: 'food', employees: 12 },
      });

      const list = await t.api('get', '/api/v1/leads?channel=google_ads&email=AN.PEETERS@example.be');
      expect(list.body.items.map((l: { id: string }) => l.id)).toEqual([first.body.id]);
      // The consent as given (what was shown, where, when) comes back with the lead, also after later upserts.
      const given = { status: 'granted', basis: 'consent', text: 'Ja, stuur mij tips', source: 'form:contact', capturedAt: expect.any(String) };
      expect(first.body.consent).toEqual(given);
      expect(second.body.consent).toEqual(given);
      expect(list.body.items[0].consent).toEqual(given);
      const withdrawn = await t.api('post', '/api/v1/leads').send({ email: 'an.peeters@example.be', consent: { status: 'withdrawn', source: 'crm', capturedAt: '2026-03-01T08:00:00.000Z' } });
      expect(withdrawn.body.consent).toEqual({ status: 'withdrawn', basis: 'consent', text: null, source: 'crm', capturedAt: '2026-03-01T08:00:00.000Z' });
      expect((await t.api('get', `/api/v1/leads/${first.body.id}`)).body.consent).toEqual(withdrawn.body.consent);
      const never = await t.api('post', '/api/v1/leads').send({ email: 'zonder-toestemming@example.be' });
      expect(never.body.consent).toEqual({ status: 'unknown', basis: null, text: null, source: null, capturedAt: null });

      const timeline = await t.api('get', `/api/v1/leads/${first.body.id}/timeline`);
      expect(timeline.body.items.some((i: { kind: string; data: { text?: string } }) => i.kind === 'consent' && i.data.text === 'Ja, stuur mij tips')).toBe(true);
    });

    it('keeps a withdrawal when a CRM replays an older grant: the old record joins the history, the lead stays withdrawn', async () => {
      const email = 'replay@example.be';
      const granted = await t.api('post', '/api/v1/leads').send({ email, consent: { status: 'granted', basis: 'consent', text: 'Ja', capturedAt: '2025-01-10T09:00:00Z' } });
      expect(granted.body.consent).toMatchObject({ status: 'granted' });
      const withdrawn = await t.api('post', '/api/v1/leads').send({ email, consent: { status: 'withdrawn', source: 'phone' } });
      expect(withdrawn.body.consent).toMatchObject({ status: 'withdrawn', source: 'phone' });
      // The nightly sync sends the consent it has had since 2025.
      const replay = await t.api('post', '/api/v1/leads').send({ email, firstName: 'Replay', consent: { status: 'granted', basis: 'consent', text: 'Ja', source: 'crm', capturedAt: '2025-01-10T09:00:00Z' } });
      expect(replay.status).toBe(200);
      expect(replay.body.firstName).toBe('Replay');
      expect(replay.body.consent).toMatchObject({ status: 'withdrawn', source: 'phone' });
      const [row] = await t.db.query(`SELECT consent_status FROM leads WHERE id = $1`, [granted.body.id]);
      expect(row.consent_status).toBe('withdrawn');
      const history = (await t.api('get', `/api/v1/leads/${granted.body.id}/export`)).body.consents.map((c: { status: string }) => c.status);
      expect(history).toEqual(['granted', 'granted', 'withdrawn']);
      // A grant captured now is the newest: the lead consents again.
      const again = await t.api('post', '/api/v1/leads').send({ email, consent: { status: 'granted', basis: 'consent', source: 'form:contact' } });
      expect(again.body.consent).toMatchObject({ status: 'granted', source: 'form:contact' });
    });

    it('refuses a consent captured in the future (422 naming consent.capturedAt), changing nothing', async () => {
      const res = await t.api('post', '/api/v1/leads').send({ email: 'future@example.be', consent: { status: 'granted', basis: 'consent', capturedAt: '2026-03-02T11:00:00Z' } });
      expect(res.status).toBe(422);
      expect(res.body.errors).toEqual([{ field: 'consent.capturedAt', message: 'must not be in the future' }]);
      expect(await t.db.query(`SELECT id FROM leads WHERE email_normalized = 'future@example.be'`)).toEqual([]);
      // A sender's clock a minute fast is taken.
      const skew = await t.api('post', '/api/v1/leads').send({ email: 'future@example.be', consent: { status: 'granted', basis: 'consent', capturedAt: '2026-03-02T10:01:00Z' } });
      expect(skew.status).toBe(201);
    });

    it('filters the list by stage, with the other filters, and refuses a stage that does not exist naming stage', async () => {
      const save = async (email: string, extra: Record<string, unknown> = {}) =>
        (await t.api('post', '/api/v1/leads').send({ email, source: { channel: 'stage-filter' }, ...extra }).expect(201)).body.id as string;
      const lead = await save('stage-lead@example.be');
      const subscriber = await save('stage-subscriber@example.be', { stage: 'subscriber' });
      const first = await save('stage-customer-1@example.be', { stage: 'customer' });
      const second = await save('stage-customer-2@example.be', { stage: 'customer' });
      const customers = [first, second].sort(); // created at one instant (the clock stands still): listed by id
      const disqualified = await save('stage-competitor@example.be', { stage: 'disqualified', stageReason: 'competitor' });
      const list = async (query: string) => {
        const res = await t.api('get', `/api/v1/leads?channel=stage-filter&${query}`).expect(200);
        return res.body.items.map((l: { id: string; stage: string }) => [l.id, l.stage]);
      };
      expect(await list('stage=lead')).toEqual([[lead, 'lead']]);
      expect(await list('stage=subscriber')).toEqual([[subscriber, 'subscriber']]);
      expect(await list('stage=customer')).toEqual(customers.map((id) => [id, 'customer']));
      expect(await list('stage=disqualified')).toEqual([[disqualified, 'disqualified']]);
      expect(await list('stage=mql')).toEqual([]);
      expect(await list('stage=customer&email=stage-customer-2@example.be')).toEqual([[second, 'customer']]);
      expect(await list('stage=customer&limit=1')).toEqual([[customers[0], 'customer']]);

      for (const stage of ['bogus', 'MQL', '', 'lead,mql']) {
        const res = await t.api('get', `/api/v1/leads?channel=stage-filter&stage=${encodeURIComponent(stage)}`);
        expectRefused(res, ['stage']);
        expect(res.body.errors[0].message).toMatch(/subscriber, lead, mql, sql, opportunity, customer, recycled, disqualified/);
      }
    });

    it('pages through leads with a cursor without repeats', async () => {
      for (let i = 0; i < 5; i++) await t.api('post', '/api/v1/leads').send({ email: `page${i}@example.be`, source: { channel: 'paging' } });
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: { body: { items: { id: string }[]; nextCursor: string | null } } = await t.api(
          'get',
          `/api/v1/leads?channel=paging&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        );
        seen.push(...res.body.items.map((l) => l.id));
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(seen).toHaveLength(5);
      expect(new Set(seen).size).toBe(5);
    });
  });

  /** Every item of the list at `path`, read `limit` at a time. */
  const everyItem = async <T>(path: string, limit: number): Promise<T[]> => (await allPages<T>(t, path, limit)).items;

  describe('the timeline', () => {
    it('lists newest first with sort=-at, across pages, the reverse of oldest first', async () => {
      const lead = await t.api('post', '/api/v1/leads').send({ email: 'tijdlijn@example.be', consent: { status: 'granted', basis: 'consent' } });
      const events = ['page_viewed', 'content_downloaded', 'webinar_attended', 'page_viewed'].map((type, i) => ({
        leadId: lead.body.id,
        type,
        occurredAt: new Date(clock.now().getTime() - (4 - i) * 3_600_000).toISOString(),
      }));
      expect((await t.api('post', '/api/v1/events').send({ events })).status).toBe(202);
      const path = `/api/v1/leads/${lead.body.id}/timeline`;
      type Item = { kind: string; id: string; at: string };
      const oldestFirst = await everyItem<Item>(path, 50);
      expect(oldestFirst.length).toBeGreaterThanOrEqual(5); // the events and the consent
      const newestFirst = await everyItem<Item>(`${path}?sort=-at`, 2);
      expect(newestFirst.map((i) => `${i.kind}:${i.id}`)).toEqual(oldestFirst.map((i) => `${i.kind}:${i.id}`).reverse());
      expect(newestFirst[newestFirst.length - 1]).toMatchObject({ kind: 'event', at: events[0].occurredAt });

      expectRefused(await t.api('get', `${path}?sort=newest`), ['sort']);
      const page1 = await t.api('get', `${path}?sort=-at&limit=1`);
      expectRefused(await t.api('get', `${path}?sort=at&cursor=${page1.body.nextCursor}`), ['cursor']);
    });
  });

  describe('events', () => {
    it('creates the lead for an unknown email and reports duplicates on retry', async () => {
      const batch = {
        events: [
          { email: 'new.lead@example.be', type: 'content_downloaded', properties: { asset: 'gids-website-kosten' }, idempotencyKey: 'form-1' },
          { email: 'new.lead@example.be', type: 'page_viewed', properties: { url: 'https://example.be/blog' }, idempotencyKey: 'pv-1' },
          { email: 'new.lead@example.be', type: 'page_viewed', properties: { url: 'https://example.be/blog' }, idempotencyKey: 'pv-1' },
          { email: 'broken', type: 'page_viewed' },
        ],
      };
      const first = await t.api('post', '/api/v1/events').send(batch);
      expect(first.status).toBe(202);
      expect(first.body).toMatchObject({ accepted: 2, duplicates: 1, rejected: 1 });
      expect(first.body.items[2].eventId).toBe(first.body.items[1].eventId);
      expect(first.body.items[3].errors[0].field).toBe('events[3].email');

      const retry = await t.api('post', '/api/v1/events').send(batch);
      expect(retry.body).toMatchObject({ accepted: 0, duplicates: 3, rejected: 1 });
      expect(retry.body.items[0].eventId).toBe(first.body.items[0].eventId);

      const leadId = first.body.items[0].leadId;
      const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM events WHERE lead_id = $1`, [leadId]);
      expect(n).toBe(2);
      await eventually(async () => (await queued()) === 0);
      // content download +10, page view +1: each applied exactly once despite the retry
      expect(await ledgerPoints(leadId)).toBe(11);
      const lead = await t.api('get', `/api/v1/leads/${leadId}`);
      expect(lead.body.engagementScore).toBe(11);
    });

    it('honours the Idempotency-Key header for a single event', async () => {
      const send = () => t.api('post', '/api/v1/events').set('idempotency-key', 'hdr-1').send({ email: 'hdr@example.be', type: 'webinar_attended' });
      const a = await send();
      const b = await send();
      expect(a.body.items[0].status).toBe('accepted');
      expect(b.body.items[0]).toMatchObject({ status: 'duplicate', eventId: a.body.items[0].eventId });
    });

    it('stores events of known leads by id or email in one request; an unknown lead id is rejected, the rest stored once', async () => {
      const lead = await t.api('post', '/api/v1/leads').send({ email: 'known@example.be' });
      const leadId: string = lead.body.id;
      const mixed = await t.api('post', '/api/v1/events').send({
        events: [
          { leadId, type: 'page_viewed' },
          { email: 'KNOWN@example.be', type: 'page_viewed', idempotencyKey: 'known-1' },
          { email: 'known@example.be', type: 'page_viewed', idempotencyKey: 'known-1' },
          { leadId: '00000000-0000-4000-8000-000000000000', type: 'page_viewed' },
        ],
      });
      expect(mixed.status).toBe(202);
      expect(mixed.body).toMatchObject({ accepted: 2, duplicates: 1, rejected: 1 });
      expect(mixed.body.items[2]).toMatchObject({ status: 'duplicate', eventId: mixed.body.items[1].eventId, leadId });
      expect(mixed.body.items[3].errors[0].field).toBe('leadId');

      // Every lead known: the one-statement path, with a repeat of a stored key and of a key within the batch.
      const known = await t.api('post', '/api/v1/events').send({
        events: [
          { leadId: leadId.toUpperCase(), type: 'page_viewed', idempotencyKey: 'known-2' },
          { email: 'known@example.be', type: 'page_viewed', idempotencyKey: 'known-1' },
          { email: 'known@example.be', type: 'page_viewed', idempotencyKey: 'known-2' },
        ],
      });
      expect(known.body).toMatchObject({ accepted: 1, duplicates: 2, rejected: 0 });
      expect(known.body.items[0]).toMatchObject({ status: 'accepted', leadId });
      expect(known.body.items[1]).toMatchObject({ status: 'duplicate', eventId: mixed.body.items[1].eventId, leadId });
      expect(known.body.items[2]).toMatchObject({ status: 'duplicate', eventId: known.body.items[0].eventId, leadId });
      // Event ids are time-ordered (UUID version 7) on both paths, so stored events append to their indexes.
      for (const id of [mixed.body.items[0].eventId, known.body.items[0].eventId]) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab]/);

      const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM events WHERE lead_id = $1`, [leadId]);
      expect(n).toBe(3);
      await eventually(async () => (await queued()) === 0);
      expect(await ledgerPoints(leadId)).toBe(3);
    });

    it('answers concurrent single events of known leads each on its own, even when they share one statement', async () => {
      const lead = await t.api('post', '/api/v1/leads').send({ email: 'burst@example.be' });
      const leadId: string = lead.body.id;
      const sends = [
        ...Array.from({ length: 40 }, (_, i) => t.api('post', '/api/v1/events').send({ leadId, type: 'page_viewed', properties: { n: i } })),
        ...Array.from({ length: 10 }, () => t.api('post', '/api/v1/events').set('idempotency-key', 'burst-1').send({ email: 'burst@example.be', type: 'form_submitted' })),
        t.api('post', '/api/v1/events').send({ leadId: '00000000-0000-4000-8000-00000000b0b0', type: 'page_viewed' }),
      ];
      const res = await Promise.all(sends);
      const items = res.slice(0, 50).map((r) => r.body.items[0]);
      expect(items.slice(0, 40).every((i) => i.status === 'accepted' && i.leadId === leadId)).toBe(true);
      const keyed = items.slice(40, 50);
      expect(keyed.filter((i) => i.status === 'accepted')).toHaveLength(1);
      expect(new Set(keyed.map((i) => i.eventId)).size).toBe(1);
      // A single event of an unknown lead id is a problem (404 naming leadId), as an erased lead's is 410.
      expect(res[50].status).toBe(404);
      expect(res[50].body.errors).toEqual([{ field: 'leadId', message: 'no lead with this id' }]);

      await eventually(async () => (await queued()) === 0);
      const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM events WHERE lead_id = $1`, [leadId]);
      expect(n).toBe(41);
      // The form counts once (+5); page views hit their cap of 10 a day.
      expect(await ledgerPoints(leadId)).toBe(15);
    });

    it('answers a key raced by concurrent requests for different leads: one accepted, its repeat a duplicate, the other lead refused (422), never a 500', async () => {
      const a = (await t.api('post', '/api/v1/leads').send({ email: 'key-race-a@example.be' })).body.id as string;
      const b = (await t.api('post', '/api/v1/leads').send({ email: 'key-race-b@example.be' })).body.id as string;
      for (let round = 0; round < 5; round++) {
        const key = `key-race-${round}`;
        const res = await Promise.all(
          [a, b, a, b].map((leadId) => t.api('post', '/api/v1/events').set('idempotency-key', key).send({ leadId, type: 'form_submitted' })),
        );
        // The key belongs to the event that won; the same event for the same lead is its duplicate, for the other lead a refused reuse.
        const winner = res.findIndex((r) => r.status === 202 && r.body.items[0].status === 'accepted');
        expect(winner).toBeGreaterThanOrEqual(0);
        const sameLead = [winner % 2, (winner % 2) + 2];
        for (const [i, r] of res.entries()) {
          if (sameLead.includes(i)) {
            expect(r.status).toBe(202);
            expect(r.body.items[0].eventId).toBe(res[winner].body.items[0].eventId);
          } else {
            expect(r.status).toBe(422);
            expect(r.body.errors[0].field).toBe('idempotencyKey');
          }
        }
      }
      const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM score_ledger WHERE lead_id = ANY($1::uuid[])`, [[a, b]]);
      expect(n).toBe(5);
      expect((await ledgerPoints(a)) + (await ledgerPoints(b))).toBe(25);
    });

    it('loses nothing when many requests for one lead race', async () => {
      const email = 'race@example.be';
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          t.api('post', '/api/v1/events').send({
            events: Array.from({ length: 10 }, (__, j) => ({ email, type: 'form_submitted', idempotencyKey: `race-${i}-${j}` })),
          }),
        ),
      );
      const [{ id }] = await t.db.query(`SELECT id FROM leads WHERE email_normalized = $1`, [email]);
      await eventually(async () => (await queued()) === 0);
      const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM score_ledger WHERE lead_id = $1`, [id]);
      expect(n).toBe(200);
      expect(await ledgerPoints(id)).toBe(1000); // 200 forms × 5 points, no cap on this rule
    });
  });

  describe('scoring and MQL', () => {
    it('holds a cap across requests: rows already in the ledger count, per rule and within the window only', async () => {
      const { body: lead } = await t.api('post', '/api/v1/leads').send({ email: 'capped-later@example.be' });
      const at = (hoursAgo: number) => new Date(clock.now().getTime() - hoursAgo * 3_600_000).toISOString();
      const send = async (events: object[]) => {
        const res = await t.api('post', '/api/v1/events').send({ events: events.map((e) => ({ leadId: lead.id, ...e })) });
        expect(res.body).toMatchObject({ accepted: events.length });
      };
      // 9 page views (cap: 10 a day) and 3 opens (cap: 3 a week) in one request, then more in later requests
      await send([...Array.from({ length: 9 }, () => ({ type: 'page_viewed', occurredAt: at(1) })), ...Array.from({ length: 3 }, () => ({ type: 'email_opened', occurredAt: at(1) }))]);
      expect(await ledgerPoints(lead.id)).toBe(9 + 3);
      await send([{ type: 'page_viewed', occurredAt: at(0.5) }, { type: 'page_viewed', occurredAt: at(0.4) }, { type: 'email_opened', occurredAt: at(0.5) }]);
      expect(await ledgerPoints(lead.id)).toBe(9 + 3 + 1); // the tenth page view; the eleventh and the fourth open are capped
      await send([{ type: 'page_viewed', occurredAt: at(0.3) }]);
      expect(await ledgerPoints(lead.id)).toBe(13); // still capped in a third request
      await send([{ type: 'page_viewed', occurredAt: at(30) }]);
      expect(await ledgerPoints(lead.id)).toBe(14); // a day before the others: its window holds none of them
    });

    it('promotes on a high-intent event at once, exactly once, and explains why', async () => {
      const email = 'quote@example.be';
      await t.api('post', '/api/v1/events').send({ email, type: 'quote_requested', idempotencyKey: 'q-1' });
      const [{ id }] = await t.db.query(`SELECT id FROM leads WHERE email_normalized = $1`, [email]);
      await eventually(async () => (await t.api('get', `/api/v1/leads/${id}`)).body.stage === 'mql');
      await t.api('post', '/api/v1/events').send({ email, type: 'meeting_booked' });
      await eventually(async () => (await queued()) === 0);

      const mqlEvents = await t.db.query(`SELECT * FROM outbox_events WHERE lead_id = $1 AND type = 'lead.mql'`, [id]);
      expect(mqlEvents).toHaveLength(1);
      expect(mqlEvents[0].payload).toMatchObject({ from: 'lead', to: 'mql', reason: 'high_intent_event' });

      const timeline = await t.api('get', `/api/v1/leads/${id}/timeline`);
      const change = timeline.body.items.find((i: { kind: string }) => i.kind === 'stage_change');
      expect(change.data).toMatchObject({ from: 'lead', to: 'mql', actor: 'scoring', reason: 'high_intent_event' });

      const score = await t.api('get', `/api/v1/leads/${id}/score`);
      expect(score.status).toBe(200);
      expect(score.body.contributions[0]).toMatchObject({ ruleId: expect.any(String), points: 30, currentPoints: 30 });
      // The MQL rule is not met (no BANT answers): the answer says what made it an MQL all the same.
      expect(score.body.mqlRule.met).toBe(false);
      const [quote] = await t.db.query(`SELECT id, occurred_at FROM events WHERE lead_id = $1 AND type = 'quote_requested'`, [id]);
      expect(score.body.promotion).toEqual({ at: quote.occurred_at.toISOString(), actor: 'scoring', reason: 'high_intent_event', eventId: quote.id, eventType: 'quote_requested' });
      const never = await t.api('post', '/api/v1/leads').send({ email: 'never-mql@example.be' });
      expect((await t.api('get', `/api/v1/leads/${never.body.id}/score`)).body.promotion).toBeNull();
    });

    it('promotes on engagement plus two known BANT answers, with decay taken into account', async () => {
      const email = 'warm@example.be';
      const created = await t.api('post', '/api/v1/leads').send({ email, qualification: { need: 'crm' } });
      const id = created.body.id;
      // 6 webinars × 15 = 90 points, but only one BANT answer known: not yet an MQL
      await t.api('post', '/api/v1/events').send({ events: Array.from({ length: 6 }, () => ({ leadId: id, type: 'webinar_attended' })) });
      await eventually(async () => (await queued()) === 0);
      let score = await t.api('get', `/api/v1/leads/${id}/score`);
      expect(score.body.engagementScore).toBe(90);
      expect(score.body.mqlRule.met).toBe(false);
      expect(score.body.mqlRule.missing.join(' ')).toMatch(/need|timeline|budget|authority/);

      // 60 days later the points have decayed to a quarter (half-life 30 days)
      clock.advance(60 * 86_400_000);
      score = await t.api('get', `/api/v1/leads/${id}/score`);
      expect(score.body.engagementScore).toBeCloseTo(22.5, 1);
      expect(score.body.contributions[0].currentPoints).toBeCloseTo(3.75, 2);

      // a second BANT answer arrives, but the decayed score is below the threshold
      let lead = await t.api('post', '/api/v1/leads').send({ email, qualification: { budget: '10k' } });
      expect(lead.body.stage).toBe('lead');
      await t.api('post', '/api/v1/events').send({ events: Array.from({ length: 2 }, () => ({ leadId: id, type: 'webinar_attended' })) });
      await eventually(async () => (await t.api('get', `/api/v1/leads/${id}`)).body.stage === 'mql');
      lead = await t.api('get', `/api/v1/leads/${id}`);
      expect(lead.body.engagementScore).toBeCloseTo(52.5, 1);
      score = await t.api('get', `/api/v1/leads/${id}/score`);
      expect(score.body.mqlRule.met).toBe(true);
      const sum = score.body.contributions.reduce((s: number, c: { currentPoints: number }) => s + c.currentPoints, 0);
      expect(sum).toBeCloseTo(score.body.engagementScore, 1);
    });
  });

  describe('the scoring model', () => {
    it('publishes a new version that scores new events while old ledger rows keep their version', async () => {
      const current = await t.api('get', '/api/v1/scoring-model');
      expect(current.body.version).toBe(1);
      const def = current.body.definition;
      const bad = await t.api('put', '/api/v1/scoring-model').send({ ...def, halfLifeDays: -3 });
      expect(bad.status).toBe(422);
      expect(bad.body.errors[0].field).toBe('halfLifeDays');

      const rules = def.behaviourRules.map((r: { eventType: string; points: number }) =>
        r.eventType === 'form_submitted' ? { ...r, points: 7 } : r,
      );
      // What GET answered, edited and sent back as is: its definition is published.
      const badVersion = await t.api('put', '/api/v1/scoring-model').send({ ...current.body, definition: { ...def, halfLifeDays: -3 } });
      expect(badVersion.status).toBe(422);
      expect(badVersion.body.errors[0].field).toBe('definition.halfLifeDays');
      const published = await t.api('put', '/api/v1/scoring-model').send({ ...current.body, definition: { ...def, behaviourRules: rules } });
      expect(published.status).toBe(200);
      expect(published.body.version).toBe(2);

      await t.api('post', '/api/v1/events').send({ email: 'v2@example.be', type: 'form_submitted' });
      await eventually(async () => (await queued()) === 0);
      const rows = await t.db.query(
        `SELECT l.points, l.model_version FROM score_ledger l JOIN leads d ON d.id = l.lead_id WHERE d.email_normalized = 'v2@example.be'`,
      );
      expect(rows).toEqual([{ points: 7, model_version: 2 }]);
      const old = await t.db.query(`SELECT DISTINCT model_version FROM score_ledger WHERE rule_id IN (SELECT rule_id FROM score_ledger WHERE points = 5)`);
      expect(old.map((r: { model_version: number }) => r.model_version)).toContain(1);
    });

    it('rewrites a lead only when scoring changes it: no points and the same fit leave the row alone; a new model version refits it', async () => {
      const email = 'quiet@gmail.com';
      const created = await t.api('post', '/api/v1/leads').send({ email, firstName: 'Quinten' });
      expect(created.status).toBe(201);
      const row = async () =>
        (await t.db.query(`SELECT id, xmin::text AS x, fit_score, fit_contributions, fit_model_version FROM leads WHERE email_normalized = $1`, [email]))[0];
      const before = await row();
      expect(before).toMatchObject({ fit_score: -10, fit_model_version: 2 }); // fitted at creation, under the current version
      expect(before.fit_contributions.map((c: { ruleId: string }) => c.ruleId)).toEqual(['free-mail']);

      // blog_read has no behaviour rule: stored and taken by scoring, but it changes neither score nor fit
      const sent = await t.api('post', '/api/v1/events').send({ email, type: 'blog_read' });
      expect(sent.status).toBe(202);
      await eventually(async () => (await queued()) === 0);
      const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM events WHERE lead_id = $1 AND type = 'blog_read'`, [before.id]);
      expect(n).toBe(1);
      expect((await row()).x).toBe(before.x); // the row was not rewritten

      // a version whose free-mail rule weighs more: the next event refits the lead, though it earns nothing
      const def = (await t.api('get', '/api/v1/scoring-model')).body.definition;
      const fitRules = def.fitRules.map((r: { id: string; points: number }) => (r.id === 'free-mail' ? { ...r, points: -15 } : r));
      expect((await t.api('put', '/api/v1/scoring-model').send({ ...def, fitRules })).body.version).toBe(3);
      await t.api('post', '/api/v1/events').send({ email, type: 'blog_read' });
      await eventually(async () => (await queued()) === 0);
      const after = await row();
      expect(after).toMatchObject({ fit_score: -15, fit_model_version: 3 });
      expect(after.fit_contributions).toEqual([{ ruleId: 'free-mail', description: expect.any(String), points: -15 }]);
      expect(await ledgerPoints(before.id)).toBe(0);
    });
  });

  describe('incremental sync (updatedSince)', () => {
    const crm = (email: string, extra: object = {}) =>
      t.api('post', '/api/v1/leads').send({ email, source: { channel: 'crm-sync' }, consent: { status: 'granted', basis: 'consent' }, ...extra });
    const ids = (items: { id: string }[]) => items.map((l) => l.id);

    it('lists the leads changed since an instant — fields, consent, stage, not engagement points — least recently changed first, across pages', async () => {
      clock.set('2026-06-01T10:00:00Z');
      const leads: Record<string, string> = {};
      for (const name of ['veld', 'toestemming', 'score', 'fase', 'stil']) {
        leads[name] = (await crm(`${name}@sync.example.be`)).body.id;
        clock.advance(60_000);
      }
      const since = clock.now().toISOString();
      clock.advance(60_000);
      await crm('veld@sync.example.be', { company: 'Bakkerij Peeters' });
      clock.advance(60_000);
      await crm('toestemming@sync.example.be', { consent: { status: 'withdrawn' } });
      clock.advance(60_000);
      await t.api('post', '/api/v1/events').send({ leadId: leads.score, type: 'content_downloaded' });
      await eventually(async () => (await queued()) === 0);
      clock.advance(60_000);
      await t.api('post', '/api/v1/events').send({ leadId: leads.fase, type: 'quote_requested' });
      await eventually(async () => (await queued()) === 0);
      clock.advance(60_000);
      const nieuw = (await crm('nieuw@sync.example.be')).body.id;

      const changed = await everyItem<{ id: string; stage: string; engagementScore: number; updatedAt: string }>(
        `/api/v1/leads?channel=crm-sync&updatedSince=${encodeURIComponent(since)}`,
        2,
      );
      // Points alone do not move updatedAt (scoring writes them for every scored batch, kept HOT): the lead that only
      // earned points is not listed, though its score rose.
      expect(ids(changed)).toEqual([leads.veld, leads.toestemming, leads.fase, nieuw]);
      expect(changed.every((l) => l.updatedAt >= since)).toBe(true);
      expect((await t.api('get', `/api/v1/leads/${leads.score}`)).body.engagementScore).toBeGreaterThan(0);
      expect(changed.find((l) => l.id === leads.fase)!.stage).toBe('mql');
      // Newest change first, and the list by creation, take the same filter.
      expect(ids(await everyItem(`/api/v1/leads?channel=crm-sync&updatedSince=${encodeURIComponent(since)}&sort=-updatedAt`, 3))).toEqual(
        [nieuw, leads.fase, leads.toestemming, leads.veld],
      );
      expect(ids(await everyItem(`/api/v1/leads?channel=crm-sync&updatedSince=${encodeURIComponent(since)}&sort=createdAt`, 3))).toEqual(
        [leads.veld, leads.toestemming, leads.fase, nieuw],
      );
    });

    it('skips no lead changed while a sync pages: it moves behind the cursor and comes again', async () => {
      clock.advance(60_000);
      const since = clock.now().toISOString();
      const leads: string[] = [];
      for (let i = 0; i < 4; i++) {
        clock.advance(60_000);
        leads.push((await crm(`bezig${i}@sync.example.be`)).body.id);
      }
      const path = `/api/v1/leads?channel=crm-sync&updatedSince=${encodeURIComponent(since)}&limit=2`;
      const page1 = await t.api('get', path);
      expect(ids(page1.body.items)).toEqual([leads[0], leads[1]]);
      // Meanwhile the CRM's own form changes a lead already seen and one not seen yet.
      clock.advance(60_000);
      await crm('bezig0@sync.example.be', { phone: '+32 470 00 00 00' });
      clock.advance(60_000);
      await crm('bezig2@sync.example.be', { phone: '+32 470 00 00 02' });
      const rest: { id: string }[] = [];
      let cursor: string | null = page1.body.nextCursor;
      while (cursor) {
        const page: { body: { items: { id: string }[]; nextCursor: string | null } } = await t.api('get', `${path}&cursor=${cursor}`);
        rest.push(...page.body.items);
        cursor = page.body.nextCursor;
      }
      expect(ids(rest)).toEqual([leads[3], leads[0], leads[2]]);
    });

    it('refuses an updatedSince that is not a timestamp with offset, and a cursor of the other order, naming the field', async () => {
      for (const updatedSince of ['yesterday', '2026-06-01T10:00:00']) {
        expectRefused(await t.api('get', `/api/v1/leads?updatedSince=${updatedSince}`), ['updatedSince']);
      }
      const byCreation = await t.api('get', '/api/v1/leads?channel=crm-sync&limit=1');
      expectRefused(await t.api('get', `/api/v1/leads?sort=updatedAt&cursor=${byCreation.body.nextCursor}`), ['cursor']);
    });
  });
});
