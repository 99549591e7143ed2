import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { PageQuery, SortedList } from '../../common/pagination.js';
import { QueryList } from '../../common/validators/query-list.js';
import { HANDOFF_STATUSES, OUTCOME_FILTERS, type HandoffPriority, type HandoffStatus, type OutcomeFilter } from '../domain/index.js';

export const HANDOFF_STATUS_FILTERS = [...HANDOFF_STATUSES, 'breached'] as const;
export type HandoffStatusFilter = HandoffStatus | 'breached';

/**
 * The queue's orders: by SLA deadline (`slaDueAt`, most urgent first: breached, then due soonest) or by creation
 * (`createdAt`, oldest first), each reversed with a leading `-`; ties by id.
 */
export const HANDOFF_ORDERS = new SortedList({
  slaDueAt: [['h.sla_due_at', 'timestamptz'], ['h.id', 'uuid']],
  createdAt: [['h.created_at', 'timestamptz'], ['h.id', 'uuid']],
});
export const DEFAULT_HANDOFF_SORT = 'slaDueAt';

export class ListHandoffsQuery extends PageQuery {
  @ApiPropertyOptional({
    enum: HANDOFF_ORDERS.values(),
    default: DEFAULT_HANDOFF_SORT,
    description:
      '`slaDueAt` (default): most urgent first, by SLA deadline (breached ones first, then due soonest); `createdAt`: oldest first; ' +
      'a leading `-` reverses either. Ties go by id. A cursor carries its order: leave `sort` out on later pages or repeat it (another order is 422). ' +
      'A deadline moves when a hand-off is escalated or reassigned, so while you page by `slaDueAt` such a hand-off can show up twice or not at all; ' +
      'to see every new hand-off exactly once by polling, page by `createdAt`.',
  })
  @IsOptional()
  @IsIn(HANDOFF_ORDERS.values())
  sort?: string;

  @ApiPropertyOptional({
    enum: HANDOFF_STATUS_FILTERS,
    description:
      'Which hand-offs to list. `pending`: waiting for sales\' answer. `accepted`: every hand-off sales accepted, also those with an outcome ' +
      'reported since (status `opportunity`, `won` or `lost`; `outcome` says which). `opportunity`, `won`, `lost`: that outcome exactly. ' +
      '`rejected`: rejected by sales, or closed on their behalf (closeReason). `expired`: closed by the system because the lead went cold ' +
      'before sales took it up. `breached`: sales\' overdue queue — still pending and past its SLA deadline, whether or not the SLA watch ' +
      'has flagged it yet; one answered (or closed) late is no longer listed, though its `slaBreached` stays true.',
  })
  @IsOptional()
  @IsIn(HANDOFF_STATUS_FILTERS)
  status?: HandoffStatusFilter;

  @ApiPropertyOptional({
    type: 'string',
    enum: OUTCOME_FILTERS,
    isArray: true,
    description:
      'Only hand-offs with one of these outcomes (the `outcome` field): `none` (no outcome reported yet, also for one pending, rejected ' +
      'or expired), `opportunity`, `won`, `lost`. Several values comma-separated (`outcome=won,lost`) or repeated (`outcome=won&outcome=lost`). ' +
      'Combines with the other filters: `status=accepted&outcome=none` lists accepted hand-offs with nothing reported yet; `status=accepted&outcome=none,opportunity` is sales\' open pipeline (also the opportunities still awaiting won or lost).',
  })
  @IsOptional()
  @QueryList()
  @IsIn(OUTCOME_FILTERS, { each: true })
  outcome?: OutcomeFilter[];

  @ApiPropertyOptional({ format: 'uuid', description: 'The sales rep who owns the hand-off.' })
  @IsOptional()
  @IsUUID()
  ownerId?: string;

  @ApiPropertyOptional({ enum: ['high', 'medium', 'low'] })
  @IsOptional()
  @IsIn(['high', 'medium', 'low'])
  priority?: HandoffPriority;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only the hand-offs of this lead.' })
  @IsOptional()
  @IsUUID()
  leadId?: string;
}
