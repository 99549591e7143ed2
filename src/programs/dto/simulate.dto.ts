import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsInt, IsString, Matches, Min, ValidateNested } from 'class-validator';
import { IsJsonObject } from '../../common/validators/is-json-object.js';
import { IsTimestamp } from '../../common/validators/is-timestamp.js';
import { IsOmittable } from '../../common/validators/null-input.js';

export class SimulatedEventDto {
  @ApiProperty({ example: 'email_clicked' })
  @IsString()
  @Matches(/^[a-z][a-z0-9_]{0,63}$/, { message: 'type must be a snake_case event type' })
  type: string;

  @ApiProperty({ example: '2026-03-11T10:00:00+01:00' })
  @IsTimestamp()
  at: string;

  @ApiPropertyOptional({ example: { stepId: 'welcome' } })
  @IsOmittable()
  @IsJsonObject(50, 8192)
  properties?: Record<string, unknown>;
}

/** A sample lead, the events it will have, and when it enters: the timeline comes back, nothing is sent. */
export class SimulateDto {
  @ApiProperty({
    description: 'The sample lead: stage, engagementScore, fitScore, timezone, locale, attributes, qualification, source, …',
    example: { stage: 'lead', timezone: 'Europe/Brussels', attributes: { industry: 'food' } },
  })
  @IsJsonObject(40, 16_384)
  lead: Record<string, unknown>;

  @ApiPropertyOptional({ type: [SimulatedEventDto] })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => SimulatedEventDto)
  events?: SimulatedEventDto[];

  @ApiPropertyOptional({ description: 'When the lead enters (default: now).' })
  @IsOmittable()
  @IsTimestamp()
  from?: string;

  @ApiPropertyOptional({ description: 'A published version to simulate; default: the draft.' })
  @IsOmittable()
  @IsInt()
  @Min(1)
  version?: number;
}
