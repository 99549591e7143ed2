import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { IsOmittable } from '../../common/validators/null-input.js';

export class AcceptHandoffDto {
  @ApiPropertyOptional({ example: 'Called, demo planned next Tuesday' })
  @IsOmittable()
  @IsString()
  @MaxLength(2000)
  note?: string;
}
