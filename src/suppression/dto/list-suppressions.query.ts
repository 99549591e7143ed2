import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQuery } from '../../common/pagination.js';
import { SUPPRESSION_REASONS, type SuppressionReason } from '../suppression.types.js';

export class ListSuppressionsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: SUPPRESSION_REASONS })
  @IsOptional()
  @IsIn(SUPPRESSION_REASONS)
  reason?: SuppressionReason;

  @ApiPropertyOptional({ description: 'Only the entry for this address (matched by its hash).' })
  @IsOptional()
  @IsString()
  @MaxLength(320)
  email?: string;
}
