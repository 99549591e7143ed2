import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { IsTimestamp } from '../../common/validators/is-timestamp.js';

export const FUNNEL_GROUPS = ['channel', 'campaign', 'source', 'program'] as const;
export type FunnelGroup = (typeof FUNNEL_GROUPS)[number];

export class FunnelQuery {
  @ApiPropertyOptional({ description: 'Leads created from this instant (default: 90 days ago).' })
  @IsOptional()
  @IsTimestamp()
  from?: string;

  @ApiPropertyOptional({ description: 'Leads created before this instant (default: now).' })
  @IsOptional()
  @IsTimestamp()
  to?: string;

  @ApiPropertyOptional({ enum: FUNNEL_GROUPS, default: 'channel', description: 'source = UTM source; campaign = source campaign.' })
  @IsOptional()
  @IsIn(FUNNEL_GROUPS)
  groupBy?: FunnelGroup;
}
