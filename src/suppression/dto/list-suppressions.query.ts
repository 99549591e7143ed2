import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PageQuery } from '../../common/pagination.js';
import { SUPPRESSION_REASONS, type SuppressionReason } from '../suppression.types.js';
import { EMAIL_HASH_MESSAGE, EMAIL_HASH_PATTERN } from './list-suppression-lifts.query.js';

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

  @ApiPropertyOptional({ pattern: '^[0-9a-f]{64}$', description: 'Only the entry with this emailHash (an address no lead has any more, say).' })
  @IsOptional()
  @Matches(EMAIL_HASH_PATTERN, { message: EMAIL_HASH_MESSAGE })
  emailHash?: string;

  @ApiPropertyOptional({
    enum: ['lifted'],
    description:
      "`lifted`: the entries lifted since (from GET /suppressions/lifts) are listed too, each with `lifted` ({liftedAt, liftedBy, note}; null for an entry " +
      'still on the list), all by when they were listed, newest first: with `email` or `emailHash`, the history of one address.',
  })
  @IsOptional()
  @IsIn(['lifted'])
  include?: 'lifted';
}
