import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig, type AppConfig } from '../config/app-config.js';
import { WebhookSender } from './webhook-sender.js';
import { WebhookUrlGuard } from './webhook-url-guard.js';

/** The sender against a real local HTTP server: what it sends, how it reads answers, and the SSRF check at connect time. */
describe('WebhookSender', () => {
  let server: http.Server;
  let port: number;
  const hits: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  let answer: (res: http.ServerResponse) => void = (res) => res.writeHead(204).end();
  /** When set, a request arriving on a kept-alive connection that already served one is cut off unanswered. */
  let dropReused = false;
  const served = new WeakSet<object>();

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        if (dropReused && served.has(req.socket)) return void req.socket.destroy();
        served.add(req.socket);
        hits.push({ headers: req.headers, body });
        answer(res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    hits.length = 0;
    answer = (res) => res.writeHead(204).end();
    dropReused = false;
  });

  function sender(env: Record<string, string>): { sender: WebhookSender; done: () => void } {
    const config: AppConfig = loadConfig({ NODE_ENV: 'test', ...env });
    const s = new WebhookSender(new WebhookUrlGuard(config), config);
    return { sender: s, done: () => s.onModuleDestroy() };
  }

  it('POSTs the exact body as JSON with the signature headers, and reports a 2xx without error', async () => {
    const { sender: s, done } = sender({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' });
    const body = JSON.stringify({ type: 'lead.mql', timestamp: '2026-01-05T09:00:00.000Z', data: { naam: 'Zoë' } });
    const res = await s.post(`http://localhost:${port}/hook`, body, { 'webhook-id': 'msg_1', 'webhook-timestamp': '1767603600', 'webhook-signature': 'v1,abc' });
    done();
    expect(res).toEqual({ statusCode: 204, error: null, latencyMs: expect.any(Number) });
    expect(hits).toHaveLength(1);
    expect(hits[0].body).toBe(body);
    expect(hits[0].headers).toMatchObject({ 'content-type': 'application/json', 'webhook-id': 'msg_1', 'webhook-signature': 'v1,abc' });
    expect(Number(hits[0].headers['content-length'])).toBe(Buffer.byteLength(body));
  });

  it('treats a redirect or a server error as a failed attempt and does not follow redirects', async () => {
    const { sender: s, done } = sender({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' });
    answer = (res) => res.writeHead(302, { location: 'http://169.254.169.254/' }).end();
    expect(await s.post(`http://127.0.0.1:${port}/hook`, '{}', {})).toMatchObject({ statusCode: 302, error: 'HTTP 302' });
    answer = (res) => res.writeHead(503).end();
    expect(await s.post(`http://127.0.0.1:${port}/hook`, '{}', {})).toMatchObject({ statusCode: 503, error: 'HTTP 503' });
    done();
    expect(hits).toHaveLength(2);
  });

  it('gives up on a receiver that does not answer in time', async () => {
    const { sender: s, done } = sender({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_TIMEOUT_MS: '200' });
    answer = () => undefined; // never answers
    const res = await s.post(`http://127.0.0.1:${port}/hook`, '{}', {});
    done();
    expect(res).toMatchObject({ statusCode: null, error: 'no answer within 200 ms' });
  });

  it('refuses to connect to a name that resolves to a private address when private networks are not allowed', async () => {
    const { sender: s, done } = sender({});
    const res = await s.post(`http://localhost:${port}/hook`, '{}', {});
    done();
    expect(res.statusCode).toBeNull();
    expect(res.error).toMatch(/resolves to (127\.0\.0\.1|::1), which is not a public address/);
    expect(hits).toHaveLength(0);
  });

  it('sends once more at once on a fresh connection when a kept-alive one was closed under the request', async () => {
    const { sender: s, done } = sender({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' });
    dropReused = true;
    const first = await s.post(`http://127.0.0.1:${port}/hook`, '{"n":1}', {});
    const second = await s.post(`http://127.0.0.1:${port}/hook`, '{"n":2}', {});
    done();
    expect(first).toMatchObject({ statusCode: 204, error: null });
    expect(second).toMatchObject({ statusCode: 204, error: null });
    expect(hits.map((h) => h.body)).toEqual(['{"n":1}', '{"n":2}']);
  });
});
