import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles.js';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import { UuidPipe } from '../common/uuid.pipe.js';
import { EmailMessagesRepository } from './email-messages.repository.js';
import { EmailService } from './email.service.js';
import { EmailStatsService } from './email-stats.service.js';

@ApiTags('email')
@ApiBearerAuth()
@Controller('api/v1/email')
export class EmailController {
  constructor(
    private readonly stats: EmailStatsService,
    private readonly messages: EmailMessagesRepository,
    private readonly email: EmailService,
    private readonly clock: Clock,
  ) {}

  /** Messages by delivery status, and how many are held because a worker died mid-send. */
  @Get('stats')
  @Roles('marketer')
  getStats() {
    return this.stats.stats();
  }

  /** One message's delivery record: status, reason, attempts, last SMTP reply. */
  @Get('messages/:id')
  @Roles('marketer')
  message(@Param('id', UuidPipe) id: string) {
    return this.stats.message(id);
  }

  /** Sends a held message after all: for when an operator has checked that it never arrived. */
  @Post('messages/:id/release')
  @HttpCode(202)
  @Roles('admin')
  async release(@Param('id', UuidPipe) id: string) {
    if (!(await this.messages.release(id, this.clock.now()))) {
      await this.stats.message(id); // 404 when it does not exist
      throw DomainError.conflict('Only a held message can be released.');
    }
    await this.email.dispatch([id]);
    return this.stats.message(id);
  }
}
