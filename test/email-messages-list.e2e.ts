import { randomUUID } from 'node:crypto';
import { HELD_REASON } from '../src/email/email-message.types.js';
import { listMessagesSql } from '../src/email/email-stats.service.js';
import { createLead } from './support/email-fixtures.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * GET /api/v1/email/messages finds messages by status, lead and program: above all the held ones, which only a
 * person may send again (POST …/release). An API-only app delivers nothing, so the rows stay as written here.
 */
describe('listing email messages', () => {
  let t: TestApp;
  let an: string;
  let bart: string;
  let programId: string;
  let enrollmentId: string;

  beforeAll(async () => {
    t = await startTestApp({ role: 'api' });
    an = await createLead(t, { email: 'an@list.example.be' });
    bart = await createLead(t, { email: 'bart@list.example.be' });
    [{ id: programId }] = await t.db.query(
      `INSERT INTO programs (name, status, draft, current_version, created_at, updated_at) VALUES ('Lijst', 'active', '{}', 1, now(), now()) RETURNING id`,
    );
    await t.db.query(`INSERT INTO program_versions (program_id, version, definition, published_at, published_by) VALUES ($1, 1, '{}', now(), 'test')`, [programId]);
    [{ id: enrollmentId }] = await t.db.query(
      `INSERT INTO enrollments (program_id, program_version, lead_id, via, current_step_id, visits, enrolled_at, updated_at)
       VALUES ($1, 1, $2, 'manual', 'welcome', '{"welcome":1}', now(), now()) RETURNING id`,
      [programId, an],
    );
  });
  afterAll(() => t?.close());

  /** A nurture email to `leadId` in `status`, created `minutesAgo` minutes ago, with tracked links and an idempotency key. */
  async function message(leadId: string, status: string, minutesAgo: number, enrollment: string | null = null): Promise<string> {
    const [row] = await t.db.query(
      `INSERT INTO email_messages (idempotency_key, kind, lead_id, to_address, template_id, step_id, enrollment_id, status, status_reason, links, created_at, sending_at)
       VALUES ($1, 'nurture', $2, (SELECT email FROM leads WHERE id = $2), $3, 'welcome', $4, $5, $6, $7, now() - make_interval(mins => $8), now())
       RETURNING id`,
      [`secret-key-${randomUUID()}`, leadId, randomUUID(), enrollment, status, status === 'held' ? HELD_REASON : null, JSON.stringify([{ url: 'https://example.be/?token=abc' }]), minutesAgo],
    );
    return row.id;
  }

  const ids = (body: { items: { id: string }[] }) => body.items.map((m) => m.id);

  it('lists the held messages newest first, page by page, without links or keys; a released one leaves the list', async () => {
    const oldest = await message(an, 'held', 30, enrollmentId);
    const middle = await message(bart, 'held', 20);
    const newest = await message(an, 'held', 10);
    await message(an, 'sent', 5);
    await message(bart, 'failed', 15);

    const first = await t.api('get', '/api/v1/email/messages?status=held&limit=2').expect(200);
    expect(ids(first.body)).toEqual([newest, middle]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await t.api('get', `/api/v1/email/messages?status=held&limit=2&cursor=${first.body.nextCursor}`).expect(200);
    expect(ids(second.body)).toEqual([oldest]);
    expect(second.body.nextCursor).toBeNull();
    expect(second.body.items[0]).toMatchObject({ id: oldest, status: 'held', statusReason: HELD_REASON, leadId: an, enrollmentId, stepId: 'welcome' });
    expect(JSON.stringify(first.body)).not.toMatch(/token=|secret-key-|idempotency|links/i);

    await t.api('post', `/api/v1/email/messages/${middle}/release`).expect(202);
    expect(ids((await t.api('get', '/api/v1/email/messages?status=held').expect(200)).body)).toEqual([newest, oldest]);
  });

  it("filters by lead and program, alone or with a status; without filters lists every message", async () => {
    const sent = await message(bart, 'sent', 1);
    const cancelled = await message(an, 'cancelled', 2, enrollmentId);
    const byBart = (await t.api('get', `/api/v1/email/messages?leadId=${bart}`).expect(200)).body;
    expect(byBart.items.every((m: { leadId: string }) => m.leadId === bart)).toBe(true);
    expect(ids(byBart)[0]).toBe(sent);
    expect(ids((await t.api('get', `/api/v1/email/messages?leadId=${bart}&status=sent`).expect(200)).body)).toEqual([sent]);
    const ofProgram = (await t.api('get', `/api/v1/email/messages?programId=${programId}`).expect(200)).body;
    expect(ids(ofProgram)[0]).toBe(cancelled);
    expect(ofProgram.items.every((m: { enrollmentId: string }) => m.enrollmentId === enrollmentId)).toBe(true);
    expect(ids((await t.api('get', `/api/v1/email/messages?programId=${programId}&status=cancelled`).expect(200)).body)).toEqual([cancelled]);
    expect(ids((await t.api('get', `/api/v1/email/messages?programId=${randomUUID()}`).expect(200)).body)).toEqual([]);
    expect(ids((await t.api('get', '/api/v1/email/messages?limit=2').expect(200)).body)).toEqual([sent, cancelled]);
  });

  it('refuses bad filters naming them (422), and keys without the marketer role (403)', async () => {
    for (const [query, field] of [
      ['status=lost', 'status'],
      ['leadId=an', 'leadId'],
      ['programId=42', 'programId'],
      ['limit=501', 'limit'],
      ['cursor=bm90LWEtY3Vyc29y', 'cursor'],
    ]) {
      const res = await t.api('get', `/api/v1/email/messages?${query}`).expect(422);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual([field]);
    }
    const { body: sales } = await t.api('post', '/api/v1/api-keys').send({ name: 'verkoop', role: 'sales' }).expect(201);
    await t.api('get', '/api/v1/email/messages?status=held', sales.key).expect(403);
  });

  it('finds held messages through an index among many sent ones, not by reading every message', async () => {
    await t.db.query(
      `INSERT INTO email_messages (idempotency_key, kind, lead_id, status, created_at, sent_at)
       SELECT 'bulk-' || i, 'nurture', $1, 'sent', now() - i * interval '1 second', now() FROM generate_series(1, 20000) i`,
      [bart],
    );
    await t.db.query(`ANALYZE email_messages`);
    const { sql, values } = listMessagesSql({ status: 'held', limit: 50 });
    const plan = (await t.db.query(`EXPLAIN ${sql}`, values)).map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).join('\n');
    expect(plan).toContain('email_messages_attention');
    expect(plan).not.toContain('Seq Scan');
  });
});
