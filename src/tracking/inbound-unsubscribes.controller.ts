import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles.js';
import { DomainError } from '../common/domain-error.js';
import { InboundUnsubscribeDto } from './dto/inbound-unsubscribe.dto.js';
import { UnsubscribeService } from './unsubscribe.service.js';

/**
 * The mailto form of `List-Unsubscribe`. Mail clients that do not do RFC 8058 one-click (Apple Mail, and
 * others when no https URI is offered) unsubscribe by sending an email to the mailto address with the subject
 * the URI sets; the relay's inbound webhook passes it on here, as its bounce webhook does to
 * `/api/v1/email/bounces`. The opt-out is the one-click POST's: the signed token in the subject names the
 * message, so only its recipient can be unsubscribed, and doing it twice changes nothing.
 */
@ApiTags('email')
@ApiBearerAuth()
@Roles('admin')
@Controller('api/v1/email/unsubscribes')
export class InboundUnsubscribesController {
  constructor(private readonly unsubscribes: UnsubscribeService) {}

  /** 200 with the message and address opted out; 422 naming `subject` when it carries no valid token. */
  @Post()
  @HttpCode(200)
  async receive(@Body() dto: InboundUnsubscribeDto) {
    const done = await this.unsubscribes.unsubscribeByMail(dto.subject);
    if (!done) throw DomainError.invalidField('subject', 'holds no valid unsubscribe token (expected "unsubscribe:{token}" from a sent email)');
    return { unsubscribed: true, messageId: done.messageId, email: done.email };
  }
}
