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
    const started = performance.now();
    const latency = () => Math.round(performance.now() - started);
    return new Promise((resolve) => {
      let settled = false;
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
          agent: this.agents[target.protocol as 'http:' | 'https:'],
          lookup: this.guard.lookup,
          headers: {
            ...headers,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'user-agent': 'nurture-webhooks/1',
          },
        },
        (res) => {
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
      const deadline = setTimeout(() => {
        req.destroy(new Error(`no answer within ${this.config.webhooks.timeoutMs} ms`));
      }, this.config.webhooks.timeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) => done(null, (err.message || err.code || 'connection failed').slice(0, 300)));
      req.end(body);
    });
  }

  onModuleDestroy(): void {
    this.agents['http:'].destroy();
    this.agents['https:'].destroy();
  }
}
