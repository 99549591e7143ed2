import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import http from 'node:http';
import https from 'node:https';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { WebhookUrlGuard } from './webhook-url-guard.js';

/** What one POST to a receiver came to: a status code, or an error before any status (timeout, refused). */
export interface WebhookResponse {
  statusCode: number | null;
  error: string | null;
  latencyMs: number;
}

const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * POSTs a signed body to a receiver: no redirects followed (a 3xx is a failed attempt), a deadline of
 * WEBHOOK_TIMEOUT_MS for the whole exchange, the connection dialled to an address the URL guard checked.
 * Only the status code and a short error are kept — never the request headers (they carry the signature).
 */
@Injectable()
export class WebhookSender implements OnModuleDestroy {
  private readonly agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: 50 }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: 50 }),
  };

  constructor(
    private readonly guard: WebhookUrlGuard,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  post(url: string, body: string, headers: Record<string, string>): Promise<WebhookResponse> {
    return this.send(url, body, headers, performance.now(), true);
  }

  /**
   * One exchange. A kept-alive connection the receiver closed just as we reused it fails with ECONNRESET
   * before any answer (the receiver's idle timeout raced our request): that is sent once more at once on a
   * fresh connection, within the same deadline, instead of waiting for the retry schedule (receivers
   * de-duplicate on webhook-id, should the first copy have arrived after all).
   */
  private send(url: string, body: string, headers: Record<string, string>, started: number, mayRetry: boolean): Promise<WebhookResponse> {
    const latency = () => Math.round(performance.now() - started);
    return new Promise((resolve) => {
      let settled = false;
      let answered = false;
      const done = (statusCode: number | null, error: string | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        resolve({ statusCode, error, latencyMs: latency() });
      };
      const target = new URL(url);
      const client = target.protocol === 'https:' ? https : http;
      const req = client.request(
        target,
        {
          method: 'POST',
          // The one immediate resend dials a fresh connection: the pool's other idle ones may be just as stale.
          agent: mayRetry ? this.agents[target.protocol as 'http:' | 'https:'] : false,
          lookup: this.guard.lookup,
          headers: {
            ...headers,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'user-agent': 'nurture-webhooks/1',
          },
        },
        (res) => {
          answered = true;
          let read = 0;
          res.on('data', (chunk: Buffer) => {
            read += chunk.length;
            if (read > MAX_RESPONSE_BYTES) res.destroy();
          });
          const status = res.statusCode ?? null;
          res.on('end', () => done(status, status !== null && status >= 200 && status < 300 ? null : `HTTP ${status}`));
          res.on('close', () => done(status, status !== null && status >= 200 && status < 300 ? null : `HTTP ${status}`));
          res.on('error', () => done(status, `HTTP ${status}`));
        },
      );
      const deadline = setTimeout(
        () => {
          req.destroy(new Error(`no answer within ${this.config.webhooks.timeoutMs} ms`));
        },
        Math.max(1, this.config.webhooks.timeoutMs - (performance.now() - started)),
      );
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (mayRetry && !settled && !answered && req.reusedSocket && err.code === 'ECONNRESET') {
          settled = true;
          clearTimeout(deadline);
          resolve(this.send(url, body, headers, started, false));
          return;
        }
        done(null, (err.message || err.code || 'connection failed').slice(0, 300));
      });
      req.end(body);
    });
  }

  onModuleDestroy(): void {
    this.agents['http:'].destroy();
    this.agents['https:'].destroy();
  }
}
