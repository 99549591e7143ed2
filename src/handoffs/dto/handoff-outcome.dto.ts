import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNumber, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { OUTCOMES, type Outcome } from '../domain/index.js';
import { IsOmittable } from '../../common/validators/null-input.js';

export class HandoffOutcomeDto {
  @ApiProperty({ enum: OUTCOMES })
  @IsIn(OUTCOMES)
  outcome: Outcome;

  @ApiPropertyOptional({ example: 12500, description: 'Deal value (opportunity or won), two decimals at most.' })
  @IsOmittable()
  @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 2 })
  @Min(0)
  @Max(1e12)
  value?: number;

  @ApiPropertyOptional({ example: 'EUR', description: 'ISO 4217 code; REPORTING_CURRENCY (default EUR) when a value is given without one.' })
  @IsOmittable()
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code such as EUR' })
  currency?: string;

  @ApiPropertyOptional()
  @IsOmittable()
  @IsString()
  @MaxLength(2000)
  note?: string;
}
