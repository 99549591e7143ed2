import { emailHash } from '../src/suppression/email-hash.js';
import { EmailService } from '../src/email/email.service.js';
import { signToken } from '../src/tracking/domain/tracking-token.js';
import { createLead, createProgram, DAY, enroll, enrollmentOf, oneWaitSteps, programsWorld } from './programs-helpers.js';
import { eventually } from './support/test-app.js';

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

/**
 * Repeated soft bounces reported by the relay suppress the address (reason soft_bounces): SOFT_BOUNCE_LIMIT (3)
 * on distinct messages within SOFT_BOUNCE_WINDOW_DAYS (30), with no human open or click or lift in between.
 */
describe('repeated soft bounces from the relay', () => {
  const t = programsWorld({ templates: { welcome: 'welkom' }, resetClock: true });
  const { clock, templates: tpl } = t;
  let n = 0;

  const lead = async (id: string) => (await t.api('get', `/api/v1/leads/${id}`).expect(200)).body;
  const listed = async (email: string) => (await t.db.query(`SELECT reason, source, lead_id FROM suppressions WHERE email_hash = $1`, [emailHash(email)]))[0];
  const outbox = (leadId: string) => t.db.query(`SELECT payload->>'reason' AS reason FROM outbox_events WHERE lead_id = $1 AND type = 'lead.unsubscribed'`, [leadId]);

  /** A nurture email to the lead as delivery leaves it once sent (an hour before now, one tracked link). */
  async function sentMessage(leadId: string): Promise<string> {
    const [row] = await t.db.query(
      `INSERT INTO email_messages (idempotency_key, kind, lead_id, to_address, template_id, step_id, status, links, sent_at, sending_at)
       VALUES (gen_random_uuid()::text, 'nurture', $1, (SELECT email FROM leads WHERE id = $1), $2, 'welcome', 'sent', $3, $4, $4) RETURNING id`,
      [leadId, tpl.welcome, JSON.stringify([{ index: 0, url: 'https://example.be/prijzen' }]), new Date(clock.now().getTime() - 3_600_000).toISOString()],
    );
    return row.id;
  }

  /** The relay reports a soft bounce of the message; a day passes first, so each report has its own instant. */
  async function softBounce(messageId: string) {
    clock.advance(DAY);
    const res = await t.api('post', '/api/v1/email/bounces').send({ messageId, type: 'soft', reason: '452 4.2.2 Mailbox full' });
    expect(res.status).toBe(201);
    return res.body as { suppressed: boolean; softBounces: number | null; leadId: string };
  }

  async function newLead(): Promise<{ id: string; email: string }> {
    const email = `vol-${++n}@example.be`;
    return { id: await createLead(t, email), email };
  }

  it('three soft bounces on distinct messages suppress the address: the lead is not mailable and leaves its programs', async () => {
    const { id, email } = await newLead();
    const programId = await createProgram(t, { name: 'Lange wacht', trigger: { type: 'manual' }, steps: oneWaitSteps('P30D') });
    await enroll(t, programId, id);

    expect(await softBounce(await sentMessage(id))).toMatchObject({ suppressed: false, softBounces: 1, leadId: id });
    expect(await softBounce(await sentMessage(id))).toMatchObject({ suppressed: false, softBounces: 2 });
    expect(await listed(email)).toBeUndefined();
    const since = new Date(clock.now().getTime() + DAY).toISOString();
    expect(await softBounce(await sentMessage(id))).toMatchObject({ suppressed: true, softBounces: 3 });

    expect(await listed(email)).toEqual({ reason: 'soft_bounces', source: 'relay:soft', lead_id: id });
    expect(await lead(id)).toMatchObject({ mailable: false, suppression: { reason: 'soft_bounces', since }, consent: { status: 'granted' } });
    expect(await enrollmentOf(t, programId, id)).toMatchObject({ status: 'exited', exit_reason: 'soft_bounces' });
    expect(await outbox(id)).toEqual([{ reason: 'soft_bounces' }]);
    const outcome = await t.app.get(EmailService).sendToLead(id, tpl.welcome, `after-soft:${id}`);
    expect(outcome).toMatchObject({ status: 'suppressed', reason: 'soft_bounces' });
    // A fourth says it is suppressed and changes nothing more.
    expect(await softBounce(await sentMessage(id))).toMatchObject({ suppressed: true, softBounces: null });
    expect(await outbox(id)).toHaveLength(1);
  });

  it('three reports of the same message do not suppress', async () => {
    const { id, email } = await newLead();
    const messageId = await sentMessage(id);
    for (let i = 0; i < 3; i++) expect(await softBounce(messageId)).toMatchObject({ suppressed: false, softBounces: 1 });
    expect(await listed(email)).toBeUndefined();
    expect((await lead(id)).mailable).toBe(true);
  });

  it('a human click in between resets the count', async () => {
    const { id, email } = await newLead();
    await softBounce(await sentMessage(id));
    await softBounce(await sentMessage(id));
    // The lead clicks a link of another email a day later: the mailbox works.
    clock.advance(DAY);
    const clicked = await sentMessage(id);
    await t.http().get(`/t/c/${signToken(t.config.trackingSecret, { k: 'c', m: clicked, l: 0 })}`).set('user-agent', CHROME).expect(302);
    await eventually(async () => (await t.db.query(`SELECT 1 FROM email_interactions WHERE message_id = $1 AND NOT machine`, [clicked])).length === 1);

    expect(await softBounce(await sentMessage(id))).toMatchObject({ suppressed: false, softBounces: 1 });
    expect(await softBounce(await sentMessage(id))).toMatchObject({ suppressed: false, softBounces: 2 });
    expect(await listed(email)).toBeUndefined();
    expect(await softBounce(await sentMessage(id))).toMatchObject({ suppressed: true, softBounces: 3 });
  });

  it('bounces older than the window no longer count', async () => {
    const { id, email } = await newLead();
    await softBounce(await sentMessage(id));
    await softBounce(await sentMessage(id));
    clock.advance(30 * DAY);
    expect(await softBounce(await sentMessage(id))).toMatchObject({ suppressed: false, softBounces: 1 });
    expect(await listed(email)).toBeUndefined();
  });

  it('lifting the suppression resets the count: the next soft bounce alone does not suppress again', async () => {
    const { id, email } = await newLead();
    for (let i = 0; i < 3; i++) await softBounce(await sentMessage(id));
    expect(await listed(email)).toMatchObject({ reason: 'soft_bounces' });

    clock.advance(DAY);
    const lifted = await t.api('delete', `/api/v1/suppressions?email=${encodeURIComponent(email)}&note=mailbox%20emptied`).expect(200);
    expect(lifted.body).toMatchObject({ reason: 'soft_bounces', leadId: id });
    expect((await lead(id)).mailable).toBe(true);

    expect(await softBounce(await sentMessage(id))).toMatchObject({ suppressed: false, softBounces: 1 });
    expect((await lead(id)).mailable).toBe(true);
    await softBounce(await sentMessage(id));
    expect(await softBounce(await sentMessage(id))).toMatchObject({ suppressed: true, softBounces: 3 });
  });

  it('reports arriving together are counted one after the other: the limit is met once, with one entry', async () => {
    const { id, email } = await newLead();
    const messages = [await sentMessage(id), await sentMessage(id), await sentMessage(id), await sentMessage(id)];
    clock.advance(DAY);
    const answers = await Promise.all(messages.map((messageId) => t.api('post', '/api/v1/email/bounces').send({ messageId, type: 'soft' })));
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201]);
    // Whatever order they committed in, the third counted saw the two before it.
    expect(answers.filter((a) => a.body.softBounces === 3)).toHaveLength(1);
    expect(answers.filter((a) => a.body.suppressed)).toHaveLength(2);
    expect(await listed(email)).toEqual({ reason: 'soft_bounces', source: 'relay:soft', lead_id: id });
    expect(await outbox(id)).toHaveLength(1);
  });

  it('a soft bounce of an address with no lead counts by the address', async () => {
    const email = `geen-lead-${++n}@example.be`;
    const { id } = await newLead();
    // Messages sent to an address that is no lead's (a test send); the reports name them.
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const [row] = await t.db.query(
        `INSERT INTO email_messages (idempotency_key, kind, to_address, template_id, status, sent_at) VALUES (gen_random_uuid()::text, 'test', $1, $2, 'sent', $3) RETURNING id`,
        [email, tpl.welcome, clock.now().toISOString()],
      );
      ids.push(row.id);
    }
    await softBounce(ids[0]);
    await softBounce(ids[1]);
    expect(await softBounce(ids[2])).toMatchObject({ suppressed: true, leadId: null });
    expect(await listed(email)).toEqual({ reason: 'soft_bounces', source: 'relay:soft', lead_id: null });
    expect((await lead(id)).mailable).toBe(true);
  });
});
