import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsString, MaxLength } from 'class-validator';
import { REJECT_REASONS, type RejectReason } from '../domain/index.js';
import { IsOmittable } from '../../common/validators/null-input.js';

export class RejectHandoffDto {
  @ApiProperty({ enum: REJECT_REASONS })
  @IsIn(REJECT_REASONS)
  reason: RejectReason;

  @ApiPropertyOptional()
  @IsOmittable()
  @IsString()
  @MaxLength(2000)
  note?: string;

  @ApiPropertyOptional({ default: false, description: 'true: the lead is disqualified (never nurtured again) instead of recycled.' })
  @IsOmittable()
  @IsBoolean()
  disqualify?: boolean;
}
