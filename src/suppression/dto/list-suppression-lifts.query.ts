import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PageQuery } from '../../common/pagination.js';
import { IsTimestamp } from '../../common/validators/is-timestamp.js';

/** How an entry's emailHash is written (as the list shows it; upper case is read as lower). */
export const EMAIL_HASH_PATTERN = /^[0-9a-fA-F]{64}$/;
export const EMAIL_HASH_MESSAGE = 'emailHash must be the 64 hex digits of an entry, as the list shows it';

/** GET /api/v1/suppressions/lifts: the record of lifted entries, newest lift first. */
export class ListSuppressionLiftsQuery extends PageQuery {
  @ApiPropertyOptional({ pattern: '^[0-9a-f]{64}$', description: 'Only the lifts of this entry (its emailHash, as the list shows it).' })
  @IsOptional()
  @Matches(EMAIL_HASH_PATTERN, { message: EMAIL_HASH_MESSAGE })
  emailHash?: string;

  @ApiPropertyOptional({ example: 'an@example.be', description: 'Only the lifts of this address (matched by its hash).' })
  @IsOptional()
  @IsString()
  @MaxLength(320)
  email?: string;

  @ApiPropertyOptional({ example: '2026-03-02T10:00:00+01:00', description: 'Only lifts made at or after this instant (with a UTC offset).' })
  @IsOptional()
  @IsTimestamp()
  since?: string;
}
