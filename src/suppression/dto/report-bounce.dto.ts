import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, IsUUID, MaxLength } from 'class-validator';
import { IsLeadEmail } from '../../leads/dto/is-lead-email.js';
import { IsOmittable } from '../../common/validators/null-input.js';

export const BOUNCE_TYPES = ['hard', 'soft', 'complaint'] as const;
export type BounceType = (typeof BOUNCE_TYPES)[number];

/** A bounce or complaint reported by the mail relay (its webhook); name the message, the address, or both. */
export class ReportBounceDto {
  @ApiPropertyOptional({ example: 'an@example.be' })
  @IsOmittable()
  @IsLeadEmail()
  email?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The id of the email message that bounced.' })
  @IsOmittable()
  @IsUUID()
  messageId?: string;

  @ApiProperty({ enum: BOUNCE_TYPES, description: 'hard and complaint suppress the address; soft suppresses it (reason soft_bounces) once it is the SOFT_BOUNCE_LIMIT-th soft bounce on distinct messages within SOFT_BOUNCE_WINDOW_DAYS with no human open or click in between (only reports naming messageId count).' })
  @IsIn(BOUNCE_TYPES)
  type: BounceType;

  @ApiPropertyOptional({ example: '550 5.1.1 mailbox unknown' })
  @IsOmittable()
  @IsString()
  @MaxLength(1000)
  reason?: string;
}
