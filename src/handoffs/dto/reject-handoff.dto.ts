import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { REJECT_REASONS, type RejectReason } from '../domain/index.js';

export class RejectHandoffDto {
  @ApiProperty({ enum: REJECT_REASONS })
  @IsIn(REJECT_REASONS)
  reason: RejectReason;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  note?: string;

  @ApiPropertyOptional({ default: false, description: 'true: the lead is disqualified (never nurtured again) instead of recycled.' })
  @IsOptional()
  @IsBoolean()
  disqualify?: boolean;
}
