import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { HONEYPOT_LINK_INDEX } from './domain/honeypot.js';
import { TRANSPARENT_GIF } from './domain/pixel.js';
import { boundUserAgent, type TrackingHit } from './domain/tracking-hit.js';
import { TrackingTokenCodec } from './domain/tracking-token.js';
import { HitBuffer } from './hit-buffer.service.js';
import { MessageLinks } from './message-links.service.js';

type TokenRequest = FastifyRequest<{ Params: { token: string } }>;

const BLANK_PAGE = '<!doctype html><html><head><meta charset="utf-8"><meta name="robots" content="noindex"><title></title></head><body></body></html>';

/**
 * The open pixel (`GET /t/o/{token}`) and click redirects (`GET /t/c/{token}`) in sent emails: public, no key.
 *
 * These two routes take every open and click of every email, so they are registered on Fastify directly
 * rather than as a Nest controller: Nest's per-request pipeline (guards, pipes, interceptors, filters) halved
 * their throughput in the tracking benchmark, and they need none of it. The request path is: verify the token
 * (HMAC, no I/O), find the link (memory, else one indexed read), put the hit in the buffer, answer. Whether it
 * was a person or a machine is judged later by the worker that stores it.
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
    private readonly adapterHost: HttpAdapterHost,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly links: MessageLinks,
    private readonly buffer: HitBuffer,
    private readonly clock: Clock,
  ) {
    this.tokens = new TrackingTokenCodec(config.trackingSecret);
  }

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    fastify.get('/t/o/:token', (req: TokenRequest, reply) => this.open(req, reply));
    fastify.get('/t/c/:token', (req: TokenRequest, reply) => this.click(req, reply));
  }

  /** Always a 1×1 transparent GIF, never cached; records an open for a valid token. */
  async open(req: TokenRequest, reply: FastifyReply): Promise<void> {
    const payload = this.tokens.verify(req.params.token, 'o');
    if (payload) await this.buffer.push(this.hit(req, 'open', payload.m, null, null));
    void reply
      .code(200)
      .header('content-type', 'image/gif')
      .header('cache-control', 'no-store, no-cache, must-revalidate, max-age=0')
      .header('expires', '0')
      .send(TRANSPARENT_GIF);
  }

  /** 302 to the link as stored with the message; 404 for a bad token or a link the message does not have. */
  async click(req: TokenRequest, reply: FastifyReply): Promise<void> {
    const payload = this.tokens.verify(req.params.token, 'c');
    if (!payload) return notFound(reply);
    if (payload.l === HONEYPOT_LINK_INDEX) {
      await this.buffer.push(this.hit(req, 'click', payload.m, payload.l, null));
      void reply.code(200).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(BLANK_PAGE);
      return;
    }
    let url: string | null;
    try {
      url = await this.links.url(payload.m, payload.l!);
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'could not look up a tracked link');
      void reply.code(503).header('retry-after', '1').header('content-type', 'text/plain; charset=utf-8').send('Try again in a moment');
      return;
    }
    if (!url) return notFound(reply);
    await this.buffer.push(this.hit(req, 'click', payload.m, payload.l!, url));
    void reply.code(302).header('location', url).header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').send();
  }

  private hit(req: FastifyRequest, kind: TrackingHit['kind'], messageId: string, linkIndex: number | null, url: string | null): TrackingHit {
    return {
      id: randomUUID(),
      kind,
      messageId,
      linkIndex,
      url,
      method: req.method === 'HEAD' ? 'HEAD' : 'GET',
      userAgent: boundUserAgent(req.headers['user-agent']),
      ip: req.ip ?? null,
      at: this.clock.now().getTime(),
    };
  }
}

function notFound(reply: FastifyReply): void {
  void reply.code(404).header('content-type', 'text/plain; charset=utf-8').header('cache-control', 'no-store').send('Not found');
}
