import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsUUID } from 'class-validator';
import { IsJsonObject } from '../../common/validators/is-json-object.js';
import { IsOmittable } from '../../common/validators/null-input.js';

export const MAX_BULK_ENROLLMENT = 100_000;

/** Exactly one of: one lead, a list of leads, or a segment of leads matching a condition. */
export class EnrollDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOmittable()
  @IsUUID('all')
  leadId?: string;

  @ApiPropertyOptional({ type: [String], maxItems: MAX_BULK_ENROLLMENT })
  @IsOmittable()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BULK_ENROLLMENT)
  @IsUUID('all', { each: true })
  leadIds?: string[];

  @ApiPropertyOptional({
    description: 'Every lead matching a condition: `{"where": {"field": "stage", "op": "equals", "value": "recycled"}}` (and/or/not, past events).',
    example: { where: { field: 'attributes.industry', op: 'equals', value: 'food' } },
  })
  @IsOmittable()
  @IsJsonObject(1, 32_768)
  segment?: { where: unknown };
}
