import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { IsLeadEmail } from '../../leads/dto/is-lead-email.js';
import { SUPPRESSION_REASONS, type SuppressionReason } from '../suppression.types.js';

/** Lifting an entry of the suppression list: why (kept in the audit record), and which reason the caller means to lift. */
export class LiftSuppressionQuery {
  @ApiProperty({ example: 'typo in the address, confirmed by phone', description: 'Why the entry is lifted; kept with who lifted it and when.' })
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  note: string;

  @ApiPropertyOptional({
    enum: SUPPRESSION_REASONS,
    description:
      "The entry is lifted only if it has this reason (409 otherwise). Required to lift a `complaint`: the person marked the mail as spam, so it is lifted only when named. An `erased` lead's address is never lifted.",
  })
  @IsOptional()
  @IsIn(SUPPRESSION_REASONS)
  reason?: SuppressionReason;
}

export class LiftSuppressionByEmailQuery extends LiftSuppressionQuery {
  @ApiProperty({ example: 'an@example.be', description: 'The address whose entry is lifted (matched by its hash).' })
  @IsLeadEmail()
  email: string;
}
