import { Controller, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../auth/roles.js';
import { UnsubscribeService, type UnsubscribePage, type UnsubscribeSource } from './unsubscribe.service.js';

/** `List-Unsubscribe=One-Click` (RFC 8058), sent urlencoded or as multipart/form-data. */
function isOneClick(body: unknown): boolean {
  return typeof body === 'object' && body !== null && (body as Record<string, unknown>)['List-Unsubscribe'] === 'One-Click';
}

/** Every answer is a small localized HTML page (never JSON, never a redirect), not cached. */
const html = (description: string) => ({ description, content: { 'text/html': { schema: { type: 'string', description: 'HTML page' } } } });
const TOKEN = { name: 'token', description: 'Signed unsubscribe token from the email' };

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
  @ApiOperation({ summary: 'Unsubscribe page', description: "A confirm page in the lead's language; showing it never unsubscribes (mail security scanners open links)." })
  @ApiParam(TOKEN)
  @ApiOkResponse(html('The confirm page, or "you are unsubscribed" when that is already so'))
  @ApiNotFoundResponse(html('Bad token or unknown message: a page saying the link is not valid'))
  async page(@Param('token') token: string, @Res() reply: FastifyReply): Promise<void> {
    send(reply, await this.unsubscribes.page(token));
  }

  @Post(':token')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Unsubscribe',
    description: 'Unsubscribes at once, without cookies or login: the RFC 8058 one-click POST of a mailbox provider (`List-Unsubscribe=One-Click`), or the confirm button of the page. Doing it again changes nothing.',
  })
  @ApiParam(TOKEN)
  @ApiConsumes('application/x-www-form-urlencoded', 'multipart/form-data')
  @ApiBody({
    required: false,
    schema: {
      type: 'object',
      properties: {
        'List-Unsubscribe': { type: 'string', enum: ['One-Click'], description: 'RFC 8058 one-click' },
        confirm: { type: 'string', description: "The page's form" },
      },
    },
  })
  @ApiOkResponse(html('Unsubscribed: the confirmation page'))
  @ApiNotFoundResponse(html('Bad token or unknown message: a page saying the link is not valid; nothing changes'))
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
