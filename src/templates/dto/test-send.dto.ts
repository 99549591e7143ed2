import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';
import { IsLeadEmail } from '../../leads/dto/is-lead-email.js';
import { LOCALE_PATTERN } from '../template-variants.js';

/** A real email of the template's current version, personalised with sample data. */
export class TestSendDto {
  @ApiProperty({ example: 'marketing@example.be' })
  @IsLeadEmail()
  to: string;

  @ApiPropertyOptional({ example: 'fr' })
  @IsOptional()
  @IsString()
  @Matches(LOCALE_PATTERN, { message: 'locale must look like "nl" or "nl-BE"' })
  locale?: string;
}
