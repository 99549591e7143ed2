import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, IsUUID, MaxLength } from 'class-validator';
import { IsOmittable } from '../../common/validators/null-input.js';

export class ReassignHandoffDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'The active sales rep who takes it over; without it, the next rep by round robin (never the current owner).' })
  @IsOmittable()
  @IsUUID('all', { message: 'ownerId must be a sales rep id (a UUID)' })
  ownerId?: string;

  @ApiPropertyOptional({ example: 'Pieter is on leave this week' })
  @IsOmittable()
  @IsString()
  @MaxLength(2000)
  note?: string;
}
