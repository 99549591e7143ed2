import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { clientIp, fastPathRequest } from './domain/fast-path.js';
import { HONEYPOT_LINK_INDEX } from './domain/honeypot.js';
import { TRANSPARENT_GIF } from './domain/pixel.js';
import { boundUserAgent, type TrackingHit } from './domain/tracking-hit.js';
import { TrackingTokenCodec } from './domain/tracking-token.js';
import { uuidv7 } from '../common/uuid-v7.js';
import { HitBuffer } from './hit-buffer.service.js';
import { MessageLinks } from './message-links.service.js';

const BLANK_PAGE = Buffer.from('<!doctype html><html><head><meta charset="utf-8"><meta name="robots" content="noindex"><title></title></head><body></body></html>');
const NOT_FOUND_BODY = Buffer.from('Not found');
const UNAVAILABLE_BODY = Buffer.from('Try again in a moment');
const EMPTY = Buffer.alloc(0);

/**
 * What a tracking request is answered: status, headers and body. The headers are name/value pairs,
 * content-length included, ending with `x-request-id` and a slot for its value that the fast path fills in
 * just before the synchronous writeHead (so the answers built once are not copied per request).
 */
interface Answer {
  status: number;
  headers: string[];
  body: Buffer;
  /**
   * The body as a latin1 string (byte for byte), which the fast path answers with: Node's HTTP response
   * joins a string body to the head and writes both with one `write`, where a Buffer body goes out with the
   * head as a second chunk of a `writev` (and the head string is encoded on its own).
   */
  wire: string;
}

// Answers built once: every open and click of every email comes through here.
const PIXEL: Answer = answer(200, ['content-type', 'image/gif', 'cache-control', 'no-store, no-cache, must-revalidate, max-age=0', 'expires', '0'], TRANSPARENT_GIF);
const HONEYPOT: Answer = answer(200, ['content-type', 'text/html; charset=utf-8', 'cache-control', 'no-store'], BLANK_PAGE);
const NOT_FOUND: Answer = answer(404, ['content-type', 'text/plain; charset=utf-8', 'cache-control', 'no-store'], NOT_FOUND_BODY);
const UNAVAILABLE: Answer = answer(503, ['retry-after', '1', 'content-type', 'text/plain; charset=utf-8'], UNAVAILABLE_BODY);

/** Levels at which pino writes info lines (the access log). */
const INFO_LOGGED = new Set(['info', 'debug', 'trace']);

const OPEN_ROUTE = '/t/o/:token';
const CLICK_ROUTE = '/t/c/:token';

/** The request facts a hit is made of, whichever way the request came in. */
interface Requester {
  method: 'GET' | 'HEAD';
  userAgent: string | undefined;
  ip: string | null;
}

/**
 * The open pixel and click redirects in sent emails: public, no key. Every open and click of every email
 * comes here, so the request path does almost nothing: verify the token (one HMAC, no I/O), find the link
 * (memory, else one batched indexed read), put the hit in the buffer (Redis, awaited), answer. Whether it was a
 * person or a machine is judged later by the worker that stores it.
 *
 * They are answered on a fast path in front of Fastify: the HTTP server's request listener answers
 * `GET`/`HEAD /t/o/{token}` and `/t/c/{token}` itself and hands every other request to Fastify. That spares
 * routing, the Nest middleware runner and the hook chain — most of the CPU a request took. What the app-wide
 * hooks did is done here the same way: the `x-request-id` header (the caller's, or a new UUID), the HTTP
 * latency metric under the route pattern, and the access log line (route pattern, never the token). The same
 * two routes are also registered in Fastify, for requests the fast path leaves alone (a percent-encoded token)
 * and for `inject()`.
 *
 * A bad token on the pixel still gets the GIF (a broken image helps nobody and tells a prober nothing);
 * a bad token on a click gets 404 and no redirect. Neither records anything. HEAD requests are answered like
 * GET without a body and recorded as machine.
 */
@Injectable()
export class TrackingRoutes implements OnModuleInit {
  private readonly logger = new Logger(TrackingRoutes.name);
  private readonly tokens: TrackingTokenCodec;
  /** Whether access log lines (info) are written at all: when not, none is built. */
  private readonly accessLog: boolean;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly adapterHost: HttpAdapterHost,
    private readonly links: MessageLinks,
    private readonly buffer: HitBuffer,
    private readonly clock: Clock,
    private readonly metrics: MetricsService,
  ) {
    this.tokens = new TrackingTokenCodec(config.trackingSecret);
    this.accessLog = INFO_LOGGED.has(config.logLevel);
  }

  /** Runs during app init, before the server is ready: the only time Fastify accepts new routes. */
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    fastify.get(OPEN_ROUTE, (req: TokenRequest, reply) => this.viaFastify(req, reply, 'o'));
    fastify.get(CLICK_ROUTE, (req: TokenRequest, reply) => this.viaFastify(req, reply, 'c'));
    this.inFrontOf(fastify.server);
  }

  /** Puts the fast path in front of the server's request listeners (Fastify's), which get everything else. */
  private inFrontOf(server: Server | undefined): void {
    if (!server) return;
    const others = server.listeners('request') as RequestListener[];
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const fast = fastPathRequest(req.method, req.url);
      if (fast) {
        void this.fastPath(req, res, fast.kind, fast.token);
        return;
      }
      for (const listener of others) listener.call(server, req, res);
    });
  }

  private async fastPath(req: IncomingMessage, res: ServerResponse, kind: 'o' | 'c', token: string): Promise<void> {
    const started = performance.now();
    const header = req.headers['x-request-id'];
    const requestId = typeof header === 'string' && header ? header : randomUUID();
    let result: Answer;
    try {
      const who: Requester = {
        method: req.method === 'HEAD' ? 'HEAD' : 'GET',
        userAgent: req.headers['user-agent'],
        ip: clientIp(req.headers['x-forwarded-for'], req.socket.remoteAddress),
      };
      result = kind === 'o' ? await this.open(token, who) : await this.click(token, who);
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'tracking request failed');
      result = UNAVAILABLE;
    }
    try {
      const headers = result.headers;
      headers[headers.length - 1] = requestId; // writeHead reads the array before it returns
      res.writeHead(result.status, headers);
      res.end(result.wire, 'latin1');
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'could not answer a tracking request');
      res.destroy();
      return;
    }
    const ms = performance.now() - started;
    const route = kind === 'o' ? OPEN_ROUTE : CLICK_ROUTE;
    this.metrics.observeHttp(req.method!, route, result.status, ms / 1000);
    if (this.accessLog) this.logger.log({ reqId: requestId, method: req.method, route, status: result.status, ms: Math.round(ms * 10) / 10 }, 'request');
  }

  private async viaFastify(req: TokenRequest, reply: FastifyReply, kind: 'o' | 'c'): Promise<FastifyReply> {
    const who: Requester = { method: req.method === 'HEAD' ? 'HEAD' : 'GET', userAgent: req.headers['user-agent'], ip: req.ip ?? null };
    const result = kind === 'o' ? await this.open(req.params.token, who) : await this.click(req.params.token, who);
    // Fastify's own request-id hook sets x-request-id: the headers before the slot.
    for (let i = 0; i < result.headers.length - 2; i += 2) void reply.header(result.headers[i], result.headers[i + 1]);
    return reply.code(result.status).send(result.body);
  }

  /** `GET /t/o/{token}`: always a 1×1 transparent GIF, never cached; records an open for a valid token. */
  async open(token: string, who: Requester): Promise<Answer> {
    const payload = this.tokens.verify(token, 'o');
    if (payload) await this.buffer.push(this.hit(who, 'open', payload.m, null, null));
    return PIXEL;
  }

  /** `GET /t/c/{token}`: 302 to the link as stored with the message; 404 for a bad token or unknown link. */
  async click(token: string, who: Requester): Promise<Answer> {
    const payload = this.tokens.verify(token, 'c');
    if (!payload) return NOT_FOUND;
    if (payload.l === HONEYPOT_LINK_INDEX) {
      await this.buffer.push(this.hit(who, 'click', payload.m, payload.l, null));
      return HONEYPOT;
    }
    let url: string | null;
    try {
      url = await this.links.url(payload.m, payload.l!);
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'could not look up a tracked link');
      return UNAVAILABLE;
    }
    if (!url) return NOT_FOUND;
    await this.buffer.push(this.hit(who, 'click', payload.m, payload.l!, url));
    return { status: 302, headers: ['location', url, 'cache-control', 'no-store', 'referrer-policy', 'no-referrer', 'content-length', '0', 'x-request-id', ''], body: EMPTY, wire: '' };
  }

  private hit(who: Requester, kind: TrackingHit['kind'], messageId: string, linkIndex: number | null, url: string | null): TrackingHit {
    const at = this.clock.now().getTime();
    return { id: uuidv7(at), kind, messageId, linkIndex, url, method: who.method, userAgent: boundUserAgent(who.userAgent), ip: who.ip, at };
  }
}

type TokenRequest = FastifyRequest<{ Params: { token: string } }>;

function answer(status: number, headers: string[], body: Buffer): Answer {
  return { status, headers: [...headers, 'content-length', String(body.length), 'x-request-id', ''], body, wire: body.toString('latin1') };
}
