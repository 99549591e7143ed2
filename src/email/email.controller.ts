import { Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles.js';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DomainError } from '../common/domain-error.js';
import { UuidPipe } from '../common/uuid.pipe.js';
import { ListMessagesQuery } from './dto/list-messages.query.js';
import { HeldMessagesRepository } from './held-messages.repository.js';
import { EmailService } from './email.service.js';
import { EmailStatsService } from './email-stats.service.js';

@ApiTags('email')
@ApiBearerAuth()
@Controller('api/v1/email')
export class EmailController {
  constructor(
    private readonly stats: EmailStatsService,
    private readonly held: HeldMessagesRepository,
    private readonly email: EmailService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Messages by delivery status, and how many are held because a worker died mid-send. */
  @Get('stats')
  @Roles('marketer')
  getStats() {
    return this.stats.stats();
  }

  /**
   * Messages newest first, filtered by status (`held`: the ones waiting for a person to release them), lead and
   * program; each as its delivery record (no tracked links or tokens).
   */
  @Get('messages')
  @Roles('marketer')
  list(@Query() q: ListMessagesQuery) {
    return this.stats.list(q);
  }

  /** One message's delivery record: status, reason, attempts, last SMTP reply. */
  @Get('messages/:id')
  @Roles('marketer')
  message(@Param('id', UuidPipe) id: string) {
    return this.stats.message(id);
  }

  /**
   * Sends a held message after all: for when an operator has checked that it never arrived. 409 when it is not
   * held, when sending it now would put the lead over the frequency cap (the answer says from when it fits), or
   * (`enrollment_ended`) when it is a nurture email whose enrollment ended early (goal met, archived, unenrolled,
   * another exit): such an email is not sent any more. It stays held in each case.
   */
  @Post('messages/:id/release')
  @HttpCode(202)
  @Roles('admin')
  async release(@Param('id', UuidPipe) id: string) {
    const result = await this.held.release(id, this.clock.now(), this.config.programs.frequencyCap);
    if (!result.released) {
      await this.stats.message(id); // 404 when it does not exist
      if (result.enrollmentEnded) {
        const { id: enrollmentId, reason } = result.enrollmentEnded;
        throw DomainError.conflict(
          `This message's enrollment ${enrollmentId} ended early (${reason}): its emails are not sent any more; it stays held.`,
          'enrollment_ended',
        );
      }
      if (result.fitsFrom) {
        throw DomainError.conflict(
          `Sending this message now would exceed the lead's frequency cap; it stays held and can be released from ${result.fitsFrom.toISOString()}.`,
        );
      }
      throw DomainError.conflict('Only a held message can be released.');
    }
    await this.email.dispatch([id]);
    return this.stats.message(id);
  }
}
