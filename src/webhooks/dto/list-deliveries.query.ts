import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageQuery } from '../../common/pagination.js';

export const DELIVERY_STATUSES = ['pending', 'held', 'sending', 'failed', 'delivered', 'abandoned', 'cancelled'] as const;
/** What the statuses mean, for the API documents. */
export const DELIVERY_STATUS_HELP =
  '`held`: waiting while the webhook is paused or disabled for failing (not attempted, not dropped, however long that lasts); ' +
  'sent in the order the events occurred once it is resumed or re-enabled; ' +
  '`failed`: the last attempt failed and a retry is scheduled; `abandoned`: given up after its retries ' +
  '(held again if the same outage then disables the webhook, unless it was replayed); ' +
  '`cancelled`: not sent any more (a replay of the same message took over, or the webhook was deleted).';

export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export class ListDeliveriesQuery extends PageQuery {
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES, description: DELIVERY_STATUS_HELP })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES)
  status?: DeliveryStatus;
}
