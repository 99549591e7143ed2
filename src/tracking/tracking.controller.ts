import { Controller, Get, Inject, Logger, Param, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../auth/roles.js';
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

/**
 * The open pixel and click redirects in sent emails: public, no key. Every open and click of every email
 * comes here, so the request path does no database transaction: verify the token (HMAC, no I/O), find the
 * link (memory, else one indexed read), put the hit in the buffer (one pipelined Redis command), answer.
 * Whether it was a person or a machine is judged later by the worker that stores it.
 *
 * A bad token on the pixel still gets the GIF (a broken image helps nobody and tells a prober nothing);
 * a bad token on a click gets 404 and no redirect. Neither records anything. HEAD requests are answered like
 * GET (Fastify serves HEAD from the GET route) and recorded as machine.
 */
@ApiTags('public')
@Public()
@Controller('t')
export class TrackingController {
  private readonly logger = new Logger(TrackingController.name);
  private readonly tokens: TrackingTokenCodec;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly links: MessageLinks,
    private readonly buffer: HitBuffer,
    private readonly clock: Clock,
  ) {
    this.tokens = new TrackingTokenCodec(config.trackingSecret);
  }

  /** `GET /t/o/{token}`: always a 1×1 transparent GIF, never cached; records an open for a valid token. */
  @Get('o/:token')
  async open(@Param('token') token: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const payload = this.tokens.verify(token, 'o');
    if (payload) await this.buffer.push(this.hit(req, 'open', payload.m, null, null));
    void reply
      .code(200)
      .header('content-type', 'image/gif')
      .header('cache-control', 'no-store, no-cache, must-revalidate, max-age=0')
      .header('expires', '0')
      .send(TRANSPARENT_GIF);
  }

  /** `GET /t/c/{token}`: 302 to the link as stored with the message; 404 for a bad token or unknown link. */
  @Get('c/:token')
  async click(@Param('token') token: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const payload = this.tokens.verify(token, 'c');
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

function notFound(reply: FastifyReply): void {
  void reply.code(404).header('content-type', 'text/plain; charset=utf-8').header('cache-control', 'no-store').send('Not found');
}
