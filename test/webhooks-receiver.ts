import { jest } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { ManualClock } from '../src/common/clock.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/** One POST the receiver got, exactly as it arrived. */
export interface ReceivedWebhook {
  id: string;
  timestamp: string;
  signature: string;
  headers: Record<string, string>;
  raw: string;
  body: { type: string; timestamp: string; data: Record<string, unknown> };
  answered: number;
}

/**
 * A sales tool's webhook endpoint: a real HTTP server on 127.0.0.1 that records every request and answers
 * with the status the test sets (200 by default; 503 to play "down").
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  status = 200;

  private constructor(private readonly server: http.Server) {}

  static async start(): Promise<WebhookReceiver> {
    const server = http.createServer();
    const receiver = new WebhookReceiver(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
        const answered = receiver.status;
        receiver.received.push({
          id: headers['webhook-id'],
          timestamp: headers['webhook-timestamp'],
          signature: headers['webhook-signature'],
          headers,
          raw,
          body: JSON.parse(raw),
          answered,
        });
        res.writeHead(answered, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  url(path = '/hooks/nurture'): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  /** Requests of one event type that the receiver accepted (2xx). */
  accepted(type?: string): ReceivedWebhook[] {
    return this.received.filter((r) => r.answered >= 200 && r.answered < 300 && (!type || r.body.type === type));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * Verifies a received webhook with the independent `standardwebhooks` library, as a receiver whose clock
 * reads `now` would (the library refuses timestamps more than five minutes from its own clock).
 */
export function verifyWebhook(secret: string, hook: ReceivedWebhook, now: Date = new Date()): unknown {
  const spy = jest.spyOn(Date, 'now').mockReturnValue(now.getTime());
  try {
    return new Webhook(secret).verify(hook.raw, hook.headers);
  } finally {
    spy.mockRestore();
  }
}

/** A webhook delivery's row, as the tests read it. */
export interface DeliveryRow {
  id: string;
  status: string;
  attempts: number;
  next_attempt_at: Date | null;
  last_error: string | null;
}

/** What every webhook test app runs with: private receivers allowed, a fast outbox relay and sweep. */
export const WEBHOOK_TEST_ENV = { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', OUTBOX_RELAY_MS: '30', WEBHOOK_SWEEP_MS: '50', WEBHOOK_REDISPATCH_AFTER_MS: '0' };

/**
 * A test file's webhook world: the app (started before the file's tests with WEBHOOK_TEST_ENV and `env`, on a
 * manual clock at `clockAt`) and receivers started on demand; all closed after the file. Call inside `describe`.
 */
export function webhookWorld(
  clockAt: string,
  env: Record<string, string> = {},
): {
  clock: ManualClock;
  app: () => TestApp;
  receiver: () => Promise<WebhookReceiver>;
  deliveriesOf: (webhookId: string, orderBy?: string) => Promise<DeliveryRow[]>;
} {
  const clock = new ManualClock(clockAt);
  const receivers: WebhookReceiver[] = [];
  let app: TestApp | undefined;
  beforeAll(async () => {
    app = await startTestApp({ clock, env: { ...WEBHOOK_TEST_ENV, ...env } });
  });
  afterAll(async () => {
    await app?.close();
    for (const r of receivers) await r.close();
  });
  return {
    clock,
    app: () => app!,
    receiver: async () => {
      const r = await WebhookReceiver.start();
      receivers.push(r);
      return r;
    },
    deliveriesOf: (webhookId, orderBy = 'created_at, id') =>
      app!.db.query(`SELECT id, status, attempts, next_attempt_at, last_error FROM webhook_deliveries WHERE subscription_id = $1 ORDER BY ${orderBy}`, [webhookId]),
  };
}
