import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional } from 'class-validator';

export const FUNNEL_GROUPS = ['channel', 'campaign', 'source', 'program'] as const;
export type FunnelGroup = (typeof FUNNEL_GROUPS)[number];

export class FunnelQuery {
  @ApiPropertyOptional({ description: 'Leads created from this instant (default: 90 days ago).' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ description: 'Leads created before this instant (default: now).' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  @ApiPropertyOptional({ enum: FUNNEL_GROUPS, default: 'channel', description: 'source = UTM source; campaign = source campaign.' })
  @IsOptional()
  @IsIn(FUNNEL_GROUPS)
  groupBy?: FunnelGroup;
}
