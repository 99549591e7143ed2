import { emailHash } from '../src/suppression/email-hash.js';
import { apiKey } from './handoffs-helpers.js';
import { createLead, DAY, programsWorld } from './programs-helpers.js';
import { allPages } from './support/pages.js';
import { expectRefused } from './support/problems.js';

/**
 * Lifts of the suppression list can be read back: GET /api/v1/suppressions/lifts (newest lift first, by entry and
 * from an instant on), and GET /api/v1/suppressions?include=lifted shows an address's history (each time it was
 * listed, and how each listing was lifted).
 */
describe('the record of lifted suppressions', () => {
  const t = programsWorld({ role: 'api' });
  const { clock } = t;

  const listByHand = (email: string) => t.api('post', '/api/v1/suppressions').send({ email, reason: 'manual' }).expect(201);
  const lift = (email: string, note: string, reason = '') =>
    t.api('delete', `/api/v1/suppressions?email=${encodeURIComponent(email)}&note=${encodeURIComponent(note)}${reason}`).expect(200);
  const get = async (path: string) => (await t.api('get', path).expect(200)).body;

  it('lists lifts newest first, with what was lifted, by whom, when and why; by entry and from an instant on; page by page', async () => {
    const leadId = await createLead(t, 'eerste@lifts.example.be');
    const lifted: { email: string; at: string; suppressedAt: string }[] = [];
    for (const email of ['eerste@lifts.example.be', 'tweede@lifts.example.be', 'derde@lifts.example.be']) {
      const suppressedAt = clock.now().toISOString();
      await listByHand(email);
      clock.advance(DAY);
      await lift(email, `lifted ${email}`);
      lifted.push({ email, at: clock.now().toISOString(), suppressedAt });
      clock.advance(DAY);
    }
    const marie = await apiKey(t, 'Marie', 'marketer');
    const { body: first } = await t.api('get', '/api/v1/suppressions/lifts', marie).expect(200);
    const mine = first.items.filter((l: { note: string }) => l.note?.includes('@lifts.example.be'));
    expect(mine).toEqual(
      [...lifted].reverse().map((l) => ({
        emailHash: emailHash(l.email),
        leadId: l.email === 'eerste@lifts.example.be' ? leadId : null,
        reason: 'manual',
        source: 'api-key:ADMIN_API_KEY',
        suppressedAt: l.suppressedAt,
        liftedAt: l.at,
        liftedBy: 'api-key:ADMIN_API_KEY',
        note: `lifted ${l.email}`,
      })),
    );
    // Page by page, one at a time: the same lifts in the same order, each once.
    const paged = await allPages<{ note: string }>(t, '/api/v1/suppressions/lifts', 1);
    expect(paged.items).toEqual(first.items);
    expect(paged.pages).toBe(first.items.length);

    const byHash = await get(`/api/v1/suppressions/lifts?emailHash=${emailHash('tweede@lifts.example.be').toUpperCase()}`);
    expect(byHash.items.map((l: { note: string }) => l.note)).toEqual(['lifted tweede@lifts.example.be']);
    const byEmail = await get('/api/v1/suppressions/lifts?email=Derde@Lifts.example.be');
    expect(byEmail.items.map((l: { note: string }) => l.note)).toEqual(['lifted derde@lifts.example.be']);
    const since = await get(`/api/v1/suppressions/lifts?since=${encodeURIComponent(lifted[1].at)}`);
    expect(since.items.map((l: { liftedAt: string }) => l.liftedAt)).toEqual([lifted[2].at, lifted[1].at]);
    const none = await get(`/api/v1/suppressions/lifts?since=${encodeURIComponent(clock.now().toISOString())}`);
    expect(none).toEqual({ items: [], nextCursor: null });
  });

  it("shows an address's history: listed, lifted, listed again, each time with how it left the list", async () => {
    const email = 'heen-en-weer@lifts.example.be';
    const leadId = await createLead(t, email);
    const times: string[] = [];
    const bounce = () => t.api('post', '/api/v1/email/bounces').send({ email, type: 'hard' }).expect(201);
    times.push(clock.now().toISOString());
    await listByHand(email);
    clock.advance(DAY);
    const firstLift = (await lift(email, 'listed by mistake')).body;
    clock.advance(DAY);
    times.push(clock.now().toISOString());
    await bounce();
    clock.advance(DAY);
    const secondLift = (await lift(email, 'mailbox back', '&reason=hard_bounce')).body;
    clock.advance(DAY);
    times.push(clock.now().toISOString());
    await bounce();

    const entry = (reason: string, createdAt: string, source: string) => ({ emailHash: emailHash(email), email, leadId, reason, source, createdAt });
    const history = await get(`/api/v1/suppressions?email=${email}&include=lifted`);
    expect(history).toEqual({
      items: [
        { ...entry('hard_bounce', times[2], 'relay:hard'), lifted: null },
        { ...entry('hard_bounce', times[1], 'relay:hard'), lifted: { liftedAt: secondLift.liftedAt, liftedBy: 'api-key:ADMIN_API_KEY', note: 'mailbox back' } },
        { ...entry('manual', times[0], 'api-key:ADMIN_API_KEY'), lifted: { liftedAt: firstLift.liftedAt, liftedBy: 'api-key:ADMIN_API_KEY', note: 'listed by mistake' } },
      ],
      nextCursor: null,
    });
    const paged = await allPages(t, `/api/v1/suppressions?emailHash=${emailHash(email)}&include=lifted`, 1);
    expect(paged).toEqual({ items: history.items, pages: 3 });
    expect((await get(`/api/v1/suppressions?email=${email}&include=lifted&reason=manual`)).items).toEqual([history.items[2]]);
    // Without include=lifted: the entry on the list only, as before.
    expect(await get(`/api/v1/suppressions?email=${email}`)).toEqual({ items: [entry('hard_bounce', times[2], 'relay:hard')], nextCursor: null });
    expect(await get(`/api/v1/suppressions?emailHash=${emailHash(email)}`)).toEqual({ items: [entry('hard_bounce', times[2], 'relay:hard')], nextCursor: null });
  });

  it('refuses bad query parameters with problem+json naming the field, and keys without the role', async () => {
    const cases: [string, string[]][] = [
      ['/api/v1/suppressions/lifts?emailHash=abc', ['emailHash']],
      [`/api/v1/suppressions/lifts?emailHash=${'z'.repeat(64)}`, ['emailHash']],
      ['/api/v1/suppressions/lifts?since=yesterday', ['since']],
      ['/api/v1/suppressions/lifts?since=2026-03-02T10:00:00', ['since']],
      ['/api/v1/suppressions/lifts?cursor=not-a-cursor', ['cursor']],
      ['/api/v1/suppressions/lifts?limit=0', ['limit']],
      ['/api/v1/suppressions?include=everything', ['include']],
      ['/api/v1/suppressions?emailHash=123', ['emailHash']],
      ['/api/v1/suppressions?include=lifted&cursor=bm9wZQ', ['cursor']],
    ];
    for (const [path, fields] of cases) expectRefused(await t.api('get', path), fields);
    for (const role of ['sales', 'ingest'] as const) {
      const key = await apiKey(t, `lifts-${role}`, role);
      expect((await t.api('get', '/api/v1/suppressions/lifts', key)).status).toBe(403);
    }
  });
});
