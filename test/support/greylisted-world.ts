import { programsWorld, createLead, enroll } from '../programs-helpers.js';
import { SmtpSink } from './smtp-sink.js';
import { eventually } from './test-app.js';

export type QueuedMessageRow = { id: string; status: string; status_reason: string | null; attempts: number };

/**
 * A programs world whose mail server greylists: the real SMTP sink answers the addresses in `down` with a 451 until
 * they are taken out, so an email waits in `queued` for its next delivery attempt. Call inside a describe: the sink
 * starts before the world (which reads its address from `env`) and closes after it (the app's SMTP connections first).
 */
export function greylistedProgramsWorld(templates: Record<string, string>) {
  const down = new Set<string>();
  const env: Record<string, string> = { EMAIL_RATE_PER_SECOND: '0', EMAIL_RETRY_BASE_MS: '300', EMAIL_MAX_ATTEMPTS: '20' };
  let sink: SmtpSink | undefined;
  beforeAll(async () => {
    sink = await SmtpSink.start();
    sink.refuse = (to) => (down.has(to) ? { code: 451, message: '4.7.1 Greylisted, try again later' } : null);
    env.SMTP_URL = sink.url;
  });
  const t = programsWorld({ templates, env, resetClock: true });
  afterAll(() => sink?.close());

  const messageOf = async (enrollmentId: string): Promise<QueuedMessageRow | undefined> =>
    (await t.db.query(`SELECT id, status, status_reason, attempts FROM email_messages WHERE enrollment_id = $1`, [enrollmentId]))[0];

  /** Enrolls a new lead whose mail server is down, and waits until its first email was offered and queued again. */
  async function refusedOnce(programId: string, address: string): Promise<{ leadId: string; enrollmentId: string; messageId: string }> {
    down.add(address);
    const leadId = await createLead(t, address);
    const enrollmentId = await enroll(t, programId, leadId);
    const message = await eventually(async () => {
      const m = await messageOf(enrollmentId);
      return m?.status === 'queued' && m.attempts >= 1 ? m : null;
    }, 15_000);
    expect(sinkOf().offers(address)).toBeGreaterThanOrEqual(1);
    return { leadId, enrollmentId, messageId: message.id };
  }

  const sinkOf = (): SmtpSink => {
    if (!sink) throw new Error('the SMTP sink starts in beforeAll');
    return sink;
  };
  return { t, down, messageOf, refusedOnce, sink: sinkOf };
}
