import { parseEventInput } from './event-input.js';

describe('reading one event of POST /events', () => {
  const now = new Date('2026-03-10T12:00:00Z');
  const fields = (raw: unknown, path = '') => parseEventInput(raw, path, now).errors.map((e) => e.field);

  it('takes occurredAt with its offset', () => {
    const { event } = parseEventInput({ email: 'an@example.be', type: 'page_viewed', occurredAt: '2026-02-28T23:30:00-01:00' }, '', now);
    expect(event?.occurredAt.toISOString()).toBe('2026-03-01T00:30:00.000Z');
  });

  it.each(['2026-02-30T00:00:00Z', '2026-02-29T10:00:00+01:00', '2026-04-31T00:00:00Z', '2026-03-01T24:00:00Z', '2026-03-01T10:00:00'])(
    'refuses occurredAt %s rather than rolling it over to another day',
    (occurredAt) => {
      expect(fields({ email: 'an@example.be', type: 'page_viewed', occurredAt }, 'events[1].')).toEqual(['events[1].occurredAt']);
    },
  );
});

describe('null in an event', () => {
  const now = new Date('2026-03-10T12:00:00Z');

  it.each(['leadId', 'email', 'type', 'occurredAt', 'properties', 'idempotencyKey'])('refuses %s: null, naming it once, rather than reading it as left out', (field) => {
    const raw = { leadId: '0190a4b8-6f1e-7c3a-9b2d-4e5f6a7b8c9d', email: 'an@example.be', type: 'page_viewed', [field]: null };
    expect(parseEventInput(raw, 'events[2].', now).errors).toEqual([{ field: `events[2].${field}`, message: 'must not be null; leave the field out instead' }]);
  });
});

describe('what no event may hold', () => {
  const now = new Date('2026-03-10T12:00:00Z');

  it('names a NUL character by its path in the batch', () => {
    const { errors } = parseEventInput({ email: 'an@example.be', type: 'page_viewed', properties: { u: 'a\u0000' } }, 'events[1].', now);
    expect(errors).toEqual([{ field: 'events[1].properties.u', message: 'must not contain a NUL character' }]);
    expect(parseEventInput({ email: 'an@example.be', type: 'page_viewed', idempotencyKey: 'k\u0000' }, '', now).errors[0].field).toBe('idempotencyKey');
  });

  it('refuses properties nested thousands of levels deep without overflowing the stack', () => {
    let properties: Record<string, unknown> = {};
    for (let i = 0; i < 5_000; i++) properties = { a: properties };
    const { errors } = parseEventInput({ email: 'an@example.be', type: 'page_viewed', properties }, '', now);
    expect(errors).toHaveLength(1);
    expect(errors[0].field).toMatch(/^properties(\.a)+$/);
  });
});
