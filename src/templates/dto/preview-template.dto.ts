import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, IsUUID, Matches } from 'class-validator';
import { IsJsonObject } from '../../common/validators/is-json-object.js';
import { LOCALE_PATTERN } from '../template-variants.js';
import { IsOmittable } from '../../common/validators/null-input.js';

/** Preview for a lead (`leadId`) or for sample data (`data`, `locale`). */
export class PreviewTemplateDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOmittable()
  @IsUUID()
  leadId?: string;

  @ApiPropertyOptional({ example: { firstName: 'An', company: 'Bakkerij Peeters', attributes: { industry: 'food' } } })
  @IsOmittable()
  @IsJsonObject(100, 65_536)
  data?: Record<string, unknown>;

  @ApiPropertyOptional({ example: 'nl', description: "Which variant; default: the lead's locale, else the template's default." })
  @IsOmittable()
  @IsString()
  @Matches(LOCALE_PATTERN, { message: 'locale must look like "nl" or "nl-BE"' })
  locale?: string;
}
