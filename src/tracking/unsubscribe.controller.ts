import { Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../auth/roles.js';
import { UnsubscribeService, type UnsubscribePage, type UnsubscribeSource } from './unsubscribe.service.js';

/** `List-Unsubscribe=One-Click` (RFC 8058), sent urlencoded or as multipart/form-data. */
function isOneClick(body: unknown): boolean {
  return typeof body === 'object' && body !== null && (body as Record<string, unknown>)['List-Unsubscribe'] === 'One-Click';
}

/**
 * The unsubscribe link of every email. GET shows a page with a confirm button and never unsubscribes
 * (security gateways open links); POST unsubscribes at once — the RFC 8058 one-click request of a mailbox
 * provider, or the page's form — without cookies or login, and answers 200 with the confirmation.
 */
@ApiTags('public')
@Public()
@Controller('u')
export class UnsubscribeController {
  constructor(private readonly unsubscribes: UnsubscribeService) {}

  @Get(':token')
  async page(@Param('token') token: string, @Res() reply: FastifyReply): Promise<void> {
    send(reply, await this.unsubscribes.page(token));
  }

  @Post(':token')
  async unsubscribe(@Param('token') token: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const source: UnsubscribeSource = isOneClick(req.body) ? 'list-unsubscribe' : 'unsubscribe-page';
    send(reply, await this.unsubscribes.unsubscribe(token, source));
  }
}

function send(reply: FastifyReply, page: UnsubscribePage): void {
  void reply
    .code(page.status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
    .header('referrer-policy', 'no-referrer')
    .header('x-robots-tag', 'noindex')
    .send(page.html);
}
