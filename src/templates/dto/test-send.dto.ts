import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { IsSendableAddress } from '../../email/recipient-address.js';
import { LOCALE_PATTERN } from '../template-variants.js';
import { IsOmittable } from '../../common/validators/null-input.js';

/** A real email of the template's current version, personalised with sample data. */
export class TestSendDto {
  @ApiProperty({ example: 'marketing@example.be' })
  @IsSendableAddress()
  to: string;

  @ApiPropertyOptional({ example: 'fr' })
  @IsOmittable()
  @IsString()
  @Matches(LOCALE_PATTERN, { message: 'locale must look like "nl" or "nl-BE"' })
  locale?: string;
}
