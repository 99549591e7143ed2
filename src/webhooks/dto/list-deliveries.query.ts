import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageQuery } from '../../common/pagination.js';

export const DELIVERY_STATUSES = ['pending', 'sending', 'failed', 'delivered', 'abandoned', 'cancelled'] as const;
/** What the statuses mean, for the API documents. */
export const DELIVERY_STATUS_HELP =
  '`failed`: the last attempt failed and a retry is scheduled; `abandoned`: given up after its retries (or its webhook was disabled); ' +
  '`cancelled`: not sent any more (a replay of the same message took over).';

export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export class ListDeliveriesQuery extends PageQuery {
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES, description: DELIVERY_STATUS_HELP })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES)
  status?: DeliveryStatus;
}
