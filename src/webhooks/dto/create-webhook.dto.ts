import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsBoolean, IsIn, IsString, MaxLength } from 'class-validator';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../webhook-event-types.js';
import { IsNullable, IsOmittable } from '../../common/validators/null-input.js';

export class CreateWebhookDto {
  @ApiProperty({ example: 'https://crm.example.be/hooks/nurture' })
  @IsString()
  @MaxLength(2048)
  url: string;

  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, isArray: true, example: ['handoff.created', 'handoff.sla_breached'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(WEBHOOK_EVENT_TYPES.length)
  @ArrayUnique()
  @IsIn(WEBHOOK_EVENT_TYPES, { each: true, message: `each event must be one of ${WEBHOOK_EVENT_TYPES.join(', ')}` })
  events: WebhookEventType[];

  @ApiPropertyOptional({ type: String, example: 'Pipedrive intake', nullable: true, description: 'null: none (on PATCH, null clears it)' })
  @IsNullable()
  @IsString()
  @MaxLength(500)
  description?: string | null;
}

/** PATCH: what is given changes; url, events and active cannot be null (422), a null description clears it. */
export class UpdateWebhookDto extends PartialType(CreateWebhookDto, { skipNullProperties: false }) {
  @ApiPropertyOptional({
    description:
      'false pauses: deliveries waiting and those of new events are held (listed as `held`; not attempted, not dropped, however long the pause). ' +
      'A subscription disabled for failing holds its deliveries the same way. ' +
      'true resumes a paused subscription or re-enables a disabled one: the held deliveries go out in the order their events occurred, signed afresh.',
  })
  @IsOmittable()
  @IsBoolean()
  active?: boolean;
}
