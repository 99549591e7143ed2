import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { IsLeadEmail } from '../../leads/dto/is-lead-email.js';

export const BOUNCE_TYPES = ['hard', 'soft', 'complaint'] as const;
export type BounceType = (typeof BOUNCE_TYPES)[number];

/** A bounce or complaint reported by the mail relay (its webhook); name the message, the address, or both. */
export class ReportBounceDto {
  @ApiPropertyOptional({ example: 'an@example.be' })
  @IsOptional()
  @IsLeadEmail()
  email?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The id of the email message that bounced.' })
  @IsOptional()
  @IsUUID()
  messageId?: string;

  @ApiProperty({ enum: BOUNCE_TYPES, description: 'hard and complaint suppress the address; soft is recorded only.' })
  @IsIn(BOUNCE_TYPES)
  type: BounceType;

  @ApiPropertyOptional({ example: '550 5.1.1 mailbox unknown' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  reason?: string;
}
