import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsEmail, IsInt, IsString, Length, Matches, Max, Min } from 'class-validator';
import { IsOmittable } from '../../common/validators/null-input.js';
import { MAX_REGIONS } from '../domain/territory.js';

export class CreateSalesRepDto {
  @ApiProperty({ example: 'Anneleen Claes' })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiProperty({ example: 'anneleen@example.be' })
  @IsEmail()
  @Length(3, 320)
  email: string;

  @ApiPropertyOptional({ default: true })
  @IsOmittable()
  @IsBoolean()
  active?: boolean;

  @ApiPropertyOptional({ example: ['nl', 'fr-BE'], description: 'Languages or locales the rep serves; leads in these go to them first (a lead without a locale counts as DEFAULT_LOCALE).' })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(20)
  @Matches(/^[a-z]{2,3}([-_][A-Za-z]{2})?$/, { each: true, message: 'each locale must look like nl or nl-BE' })
  locales?: string[];

  @ApiPropertyOptional({
    type: [String],
    example: ['BE', 'LU'],
    maxItems: MAX_REGIONS,
    description:
      "The rep's territory: ISO 3166-1 alpha-2 country codes (stored upper-case; a code given twice is kept once). Leads whose " +
      '`attributes.country` is one of them go to the reps of that territory first, before language matching; [] (the default) ' +
      'is no territory: the rep serves every country, and takes the leads no territory covers. A code that is not an ' +
      'assigned ISO 3166-1 alpha-2 code is 422 naming the entry (`regions[1]`).',
  })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(MAX_REGIONS)
  @IsString({ each: true })
  regions?: string[];

  @ApiPropertyOptional({
    default: 1,
    minimum: 0,
    maximum: 100,
    description:
      'Relative share of new hand-offs. 0: an active rep who takes no new hand-offs by round robin (nor SLA reassignment) but keeps theirs and can be given one by reassign with their ownerId; active false takes a rep out altogether.',
  })
  @IsOmittable()
  @IsInt()
  @Min(0)
  @Max(100)
  weight?: number;
}

/** PATCH: what is given changes; nothing can be null (422 naming the field). */
export class UpdateSalesRepDto extends PartialType(CreateSalesRepDto, { skipNullProperties: false }) {}
