import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { HONEYPOT_LINK_INDEX } from './domain/honeypot.js';
import { TRANSPARENT_GIF } from './domain/pixel.js';
import { boundUserAgent, type TrackingHit } from './domain/tracking-hit.js';
import { TrackingTokenCodec } from './domain/tracking-token.js';
import { uuidv7 } from './domain/uuid-v7.js';
import { HitBuffer } from './hit-buffer.service.js';
import { MessageLinks } from './message-links.service.js';

const BLANK_PAGE = '<!doctype html><html><head><meta charset="utf-8"><meta name="robots" content="noindex"><title></title></head><body></body></html>';

// Header sets built once: every open and click of every email comes through here.
const PIXEL_HEADERS = { 'content-type': 'image/gif', 'cache-control': 'no-store, no-cache, must-revalidate, max-age=0', expires: '0' };
const HONEYPOT_HEADERS = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' };
const NOT_FOUND_HEADERS = { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' };
const UNAVAILABLE_HEADERS = { 'retry-after': '1', 'content-type': 'text/plain; charset=utf-8' };

type TokenRequest = FastifyRequest<{ Params: { token: string } }>;

/**
 * The open pixel and click redirects in sent emails: public, no key. Every open and click of every email
 * comes here, so these two are plain Fastify routes rather than Nest controller methods: no guard (they are
 * public), no pipes or interceptors (one path parameter, checked by the token's HMAC), which spares tens of
 * microseconds of framework work per request. The app-wide Fastify hooks (request id, metrics, access log)
 * still apply. The request path does no database transaction: verify the token (HMAC, no I/O), find the link
 * (memory, else one indexed read), put the hit in the buffer (Redis, awaited), answer. Whether it was a person
 * or a machine is judged later by the worker that stores it.
 *
 * A bad token on the pixel still gets the GIF (a broken image helps nobody and tells a prober nothing);
 * a bad token on a click gets 404 and no redirect. Neither records anything. HEAD requests are answered like
 * GET (Fastify serves HEAD from the GET route) and recorded as machine.
 */
@Injectable()
export class TrackingRoutes implements OnModuleInit {
  private readonly logger = new Logger(TrackingRoutes.name);
  private readonly tokens: TrackingTokenCodec;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly adapterHost: HttpAdapterHost,
    private readonly links: MessageLinks,
    private readonly buffer: HitBuffer,
    private readonly clock: Clock,
  ) {
    this.tokens = new TrackingTokenCodec(config.trackingSecret);
  }

  /** Runs during app init, before the server is ready: the only time Fastify accepts new routes. */
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    fastify.get('/t/o/:token', (req: TokenRequest, reply) => this.open(req, reply));
    fastify.get('/t/c/:token', (req: TokenRequest, reply) => this.click(req, reply));
  }

  /** `GET /t/o/{token}`: always a 1×1 transparent GIF, never cached; records an open for a valid token. */
  async open(req: TokenRequest, reply: FastifyReply): Promise<FastifyReply> {
    const payload = this.tokens.verify(req.params.token, 'o');
    if (payload) await this.buffer.push(this.hit(req, 'open', payload.m, null, null));
    return reply.code(200).headers(PIXEL_HEADERS).send(TRANSPARENT_GIF);
  }

  /** `GET /t/c/{token}`: 302 to the link as stored with the message; 404 for a bad token or unknown link. */
  async click(req: TokenRequest, reply: FastifyReply): Promise<FastifyReply> {
    const payload = this.tokens.verify(req.params.token, 'c');
    if (!payload) return notFound(reply);
    if (payload.l === HONEYPOT_LINK_INDEX) {
      await this.buffer.push(this.hit(req, 'click', payload.m, payload.l, null));
      return reply.code(200).headers(HONEYPOT_HEADERS).send(BLANK_PAGE);
    }
    let url: string | null;
    try {
      url = await this.links.url(payload.m, payload.l!);
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'could not look up a tracked link');
      return reply.code(503).headers(UNAVAILABLE_HEADERS).send('Try again in a moment');
    }
    if (!url) return notFound(reply);
    await this.buffer.push(this.hit(req, 'click', payload.m, payload.l!, url));
    return reply.code(302).headers({ location: url, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }).send();
  }

  private hit(req: FastifyRequest, kind: TrackingHit['kind'], messageId: string, linkIndex: number | null, url: string | null): TrackingHit {
    const at = this.clock.now().getTime();
    return {
      id: uuidv7(at),
      kind,
      messageId,
      linkIndex,
      url,
      method: req.method === 'HEAD' ? 'HEAD' : 'GET',
      userAgent: boundUserAgent(req.headers['user-agent']),
      ip: req.ip ?? null,
      at,
    };
  }
}

function notFound(reply: FastifyReply): FastifyReply {
  return reply.code(404).headers(NOT_FOUND_HEADERS).send('Not found');
}
