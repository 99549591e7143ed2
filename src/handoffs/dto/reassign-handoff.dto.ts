import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';

export class ReassignHandoffDto {
  @ApiPropertyOptional({ description: 'The active sales rep who takes it over; without it, the next rep by round robin (never the current owner).' })
  @IsOptional()
  @IsUUID('all', { message: 'ownerId must be a sales rep id (a UUID)' })
  ownerId?: string;

  @ApiPropertyOptional({ example: 'Pieter is on leave this week' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  note?: string;
}
