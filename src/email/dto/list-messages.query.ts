import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { PageQuery } from '../../common/pagination.js';
import { MESSAGE_STATUSES, type MessageStatus } from '../email-message.types.js';

export class ListMessagesQuery extends PageQuery {
  @ApiPropertyOptional({
    enum: MESSAGE_STATUSES,
    description: '`held`: a worker died mid-send, maybe delivered; sent again only when released (POST /email/messages/{id}/release).',
  })
  @IsOptional()
  @IsIn(MESSAGE_STATUSES)
  status?: MessageStatus;

  @ApiPropertyOptional({ format: 'uuid', description: "Only this lead's nurture emails." })
  @IsOptional()
  @IsUUID('all')
  leadId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only the emails sent by steps of this program.' })
  @IsOptional()
  @IsUUID('all')
  programId?: string;
}
