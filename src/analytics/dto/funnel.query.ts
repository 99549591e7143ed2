import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, registerDecorator } from 'class-validator';
import { isPeriodBound } from '../funnel.js';

export const FUNNEL_GROUPS = ['channel', 'campaign', 'source', 'program'] as const;
export type FunnelGroup = (typeof FUNNEL_GROUPS)[number];

/** A calendar date (2026-11-01) or an ISO-8601 timestamp with offset. */
function IsPeriodBound() {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isPeriodBound',
      target: object.constructor,
      propertyName,
      options: { message: `${propertyName} must be a date such as 2026-11-01 or an ISO-8601 timestamp with offset such as 2026-11-01T10:00:00+01:00` },
      validator: { validate: (v: unknown) => isPeriodBound(v) },
    });
}

export class FunnelQuery {
  @ApiPropertyOptional({
    description: 'Leads created from this instant, or from the start of this date in DEFAULT_TIMEZONE (default: 90 days before to).',
    example: '2026-11-01',
  })
  @IsOptional()
  @IsPeriodBound()
  from?: string;

  @ApiPropertyOptional({
    description: 'Leads created before this instant, or up to the end of this date in DEFAULT_TIMEZONE, inclusive (default: now).',
    example: '2026-11-30',
  })
  @IsOptional()
  @IsPeriodBound()
  to?: string;

  @ApiPropertyOptional({ enum: FUNNEL_GROUPS, default: 'channel', description: 'source = UTM source; campaign = source campaign.' })
  @IsOptional()
  @IsIn(FUNNEL_GROUPS)
  groupBy?: FunnelGroup;
}
