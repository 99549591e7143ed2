import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

export class AcceptHandoffDto {
  @ApiPropertyOptional({ example: 'Called, demo planned next Tuesday' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  note?: string;
}
