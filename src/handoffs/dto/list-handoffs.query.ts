import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { PageQuery } from '../../common/pagination.js';
import { HANDOFF_STATUSES, type HandoffPriority, type HandoffStatus } from '../domain/index.js';

export const HANDOFF_STATUS_FILTERS = [...HANDOFF_STATUSES, 'breached'] as const;
export type HandoffStatusFilter = HandoffStatus | 'breached';

export class ListHandoffsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: HANDOFF_STATUS_FILTERS, description: '`breached`: still pending and past its SLA deadline.' })
  @IsOptional()
  @IsIn(HANDOFF_STATUS_FILTERS)
  status?: HandoffStatusFilter;

  @ApiPropertyOptional({ description: 'The sales rep who owns the hand-off.' })
  @IsOptional()
  @IsUUID()
  ownerId?: string;

  @ApiPropertyOptional({ enum: ['high', 'medium', 'low'] })
  @IsOptional()
  @IsIn(['high', 'medium', 'low'])
  priority?: HandoffPriority;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  leadId?: string;
}
