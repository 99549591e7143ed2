import { ManualClock } from '../src/common/clock.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * An event's idempotencyKey makes a retry harmless (API.md: a repeat returns the first result and changes nothing);
 * the same key on a different event is refused for that event, never answered with another lead's event.
 */
describe('event idempotency keys', () => {
  let t: TestApp;
  const clock = new ManualClock('2026-03-02T10:00:00Z');
  let a: string;
  let b: string;
  let ingestKey: string;

  beforeAll(async () => {
    t = await startTestApp({ clock });
    a = (await t.api('post', '/api/v1/leads').send({ email: 'sleutel-a@voorbeeld.be' })).body.id;
    b = (await t.api('post', '/api/v1/leads').send({ email: 'sleutel-b@voorbeeld.be' })).body.id;
    const key = await t.api('post', '/api/v1/api-keys').send({ name: 'ingest', role: 'ingest' });
    ingestKey = key.body.key;
  });
  afterAll(async () => {
    await t?.close();
  });

  const eventsOf = async (leadId: string) => (await t.db.query(`SELECT count(*)::int AS n FROM events WHERE lead_id = $1`, [leadId]))[0].n as number;

  it('keys each event of a batch sent with an Idempotency-Key header, so the batch sent again changes nothing', async () => {
    const c = (await t.api('post', '/api/v1/leads').send({ email: 'sleutel-c@voorbeeld.be' })).body.id;
    const batch = { events: [{ leadId: c, type: 'page_viewed' }, { leadId: c, type: 'page_viewed', idempotencyKey: 'own-key' }, { leadId: c, type: 'form_submitted' }] };
    const first = await t.api('post', '/api/v1/events').set('idempotency-key', 'batch-7').send(batch);
    expect(first.body).toMatchObject({ accepted: 3, duplicates: 0 });
    const again = await t.api('post', '/api/v1/events').set('idempotency-key', 'batch-7').send(batch);
    expect(again.body).toMatchObject({ accepted: 0, duplicates: 3 });
    expect(again.body.items.map((i: { eventId: string }) => i.eventId)).toEqual(first.body.items.map((i: { eventId: string }) => i.eventId));
    expect(await eventsOf(c)).toBe(3);
    const keys = await t.db.query(`SELECT idempotency_key FROM events WHERE id = ANY($1::uuid[]) ORDER BY idempotency_key`, [first.body.items.map((i: { eventId: string }) => i.eventId)]);
    expect(keys.map((k: { idempotency_key: string }) => k.idempotency_key)).toEqual(['batch-7/0', 'batch-7/2', 'own-key']);
  });

  it('answers a true repeat as a duplicate of the first, and refuses the key on another lead without naming it', async () => {
    const event = { leadId: a, type: 'content_downloaded', occurredAt: '2026-03-02T09:00:00Z', properties: { asset: 'gids', n: 1 }, idempotencyKey: 'k-1' };
    const first = await t.api('post', '/api/v1/events').send(event);
    expect(first.body.items[0].status).toBe('accepted');
    // Same event, properties in another order: a duplicate with the first result.
    const again = await t.api('post', '/api/v1/events').send({ ...event, properties: { n: 1, asset: 'gids' } });
    expect(again.status).toBe(202);
    expect(again.body.items[0]).toMatchObject({ status: 'duplicate', eventId: first.body.items[0].eventId, leadId: a });

    const other = await t.http().post('/api/v1/events').set('authorization', `Bearer ${ingestKey}`).send({ ...event, leadId: b });
    expect(other.status).toBe(422);
    expect(other.headers['content-type']).toContain('application/problem+json');
    expect(other.body.errors[0].field).toBe('idempotencyKey');
    expect(JSON.stringify(other.body)).not.toContain(a);
    expect(JSON.stringify(other.body)).not.toContain(first.body.items[0].eventId);
    for (const change of [{ type: 'page_viewed' }, { occurredAt: '2026-03-02T09:30:00Z' }, { properties: { asset: 'andere' } }]) {
      const res = await t.api('post', '/api/v1/events').send({ ...event, ...change });
      expect(res.status).toBe(422);
      expect(res.body.errors[0].field).toBe('idempotencyKey');
    }
    expect(await eventsOf(a)).toBe(1);
    expect(await eventsOf(b)).toBe(0);
  });

  it('in a batch: a reused key is rejected per item (stored or within the batch, known leads or new), a true repeat is a duplicate', async () => {
    const res = await t.api('post', '/api/v1/events').send({
      events: [
        { leadId: a, type: 'page_viewed', properties: { url: 'https://voorbeeld.be/1' }, idempotencyKey: 'b-1' },
        { leadId: b, type: 'page_viewed', properties: { url: 'https://voorbeeld.be/1' }, idempotencyKey: 'b-1' },
        { leadId: a, type: 'page_viewed', properties: { url: 'https://voorbeeld.be/1' }, idempotencyKey: 'b-1' },
        { leadId: b, type: 'content_downloaded', occurredAt: '2026-03-02T09:00:00Z', properties: { asset: 'gids', n: 1 }, idempotencyKey: 'k-1' },
      ],
    });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ accepted: 1, duplicates: 1, rejected: 2 });
    const [first, reused, repeat, stored] = res.body.items;
    expect(first).toMatchObject({ status: 'accepted', leadId: a });
    expect(reused).toMatchObject({ status: 'rejected', errors: [{ field: 'idempotencyKey' }] });
    expect(reused.eventId).toBeUndefined();
    expect(reused.leadId).toBeUndefined();
    expect(repeat).toMatchObject({ status: 'duplicate', eventId: first.eventId, leadId: a });
    expect(stored).toMatchObject({ status: 'rejected', errors: [{ field: 'idempotencyKey' }] });
    expect(JSON.stringify(stored)).not.toContain(a);

    // The lead-creating path (a new email in the request) decides the same way.
    const mixed = await t.api('post', '/api/v1/events').send({
      events: [
        { email: 'sleutel-nieuw@voorbeeld.be', type: 'page_viewed', idempotencyKey: 'n-1' },
        { leadId: b, type: 'page_viewed', idempotencyKey: 'n-1' },
        { leadId: b, type: 'content_downloaded', occurredAt: '2026-03-02T09:00:00Z', properties: { asset: 'gids', n: 1 }, idempotencyKey: 'k-1' },
        { leadId: a, type: 'content_downloaded', occurredAt: '2026-03-02T09:00:00Z', properties: { n: 1, asset: 'gids' }, idempotencyKey: 'k-1' },
      ],
    });
    expect(mixed.body).toMatchObject({ accepted: 1, duplicates: 1, rejected: 2 });
    expect(mixed.body.items[1]).toMatchObject({ status: 'rejected', errors: [{ field: 'idempotencyKey' }] });
    expect(mixed.body.items[2]).toMatchObject({ status: 'rejected', errors: [{ field: 'idempotencyKey' }] });
    expect(mixed.body.items[3]).toMatchObject({ status: 'duplicate', leadId: a });
    expect(await eventsOf(b)).toBe(0);
  });
});
