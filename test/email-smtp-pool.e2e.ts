import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { EmailService } from '../src/email/email.service.js';
import { QUEUES } from '../src/infra/queue/queue-names.js';
import { createTemplate } from './support/email-fixtures.js';
import { SmtpSink } from './support/smtp-sink.js';
import { eventually, startTestApp, type TestApp } from './support/test-app.js';

const MAX_CONNECTIONS = 2;

/**
 * Delivery speaks SMTP through a pool per process: at most SMTP_MAX_CONNECTIONS connections, each carrying many
 * messages. The emails go in one delivery job, which sends them all at once (no send rate), to a relay that takes
 * a while to accept each: only the pool keeps the connections down.
 */
describe('SMTP delivery through pooled connections (SMTP_MAX_CONNECTIONS)', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let templateId: string;
  const deliveries = (): Queue => t.app.get(getQueueToken(QUEUES.emailDelivery));

  beforeAll(async () => {
    sink = await SmtpSink.start();
    sink.acceptDelayMs = 100;
    t = await startTestApp({ env: { SMTP_URL: sink.url, SMTP_MAX_CONNECTIONS: String(MAX_CONNECTIONS), EMAIL_RATE_PER_SECOND: '0' } });
    templateId = await createTemplate(t);
  });
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  /** Queues `n` test sends and delivers them in one job (their own jobs, one message each, are dropped unrun). */
  async function sendInOneJob(name: string, n: number): Promise<void> {
    await deliveries().pause();
    const sent = await Promise.all(
      Array.from({ length: n }, (_, i) => t.api('post', `/api/v1/templates/${templateId}/test-send`).send({ to: `${name}-${i}@studio-noord.example.be` })),
    );
    expect(sent.map((r) => r.status)).toEqual(Array(n).fill(202));
    await deliveries().drain();
    await t.app.get(EmailService).dispatch(sent.map((r) => r.body.messageId as string));
    expect(await deliveries().getWaitingCount()).toBe(1);
    const before = sink.received.length;
    await deliveries().resume();
    await eventually(async () => sink.received.length === before + n, 30_000);
  }

  it('opens at most SMTP_MAX_CONNECTIONS connections for many emails sent at once, each carrying several, and keeps them for the next', async () => {
    await sendInOneJob('first', 20);
    expect(sink.connections).toBeGreaterThanOrEqual(1);
    expect(sink.connections).toBeLessThanOrEqual(MAX_CONNECTIONS);
    const carried = [...sink.messagesPerConnection().values()];
    expect(carried.reduce((a, b) => a + b, 0)).toBe(20);
    for (const n of carried) expect(n).toBeGreaterThan(1);

    // The next emails go over the connections the pool kept open: no new ones.
    const opened = sink.connections;
    await sendInOneJob('second', 10);
    expect(sink.connections).toBe(opened);
    expect(sink.messagesPerConnection().size).toBe(opened);
  });
});
