import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageQuery, SortedList } from '../../common/pagination.js';

/**
 * A lead's timeline in time order (`at`, oldest first) or newest first (`-at`); items of one instant follow their kind,
 * then their id (a stage change's numeric id zero-padded to sort as a number).
 */
export const TIMELINE_ORDERS = new SortedList({
  at: [['t.at', 'timestamptz'], ['t.kind', 'text'], ['t.sort_id', 'text']],
});
export const DEFAULT_TIMELINE_SORT = 'at';

export class TimelineQuery extends PageQuery {
  @ApiPropertyOptional({
    enum: TIMELINE_ORDERS.values(),
    default: DEFAULT_TIMELINE_SORT,
    description:
      '`at` (default): oldest first; `-at`: newest first, so recent activity is on the first page. ' +
      'A cursor carries its order: leave `sort` out on later pages or repeat it (another order is 422).',
  })
  @IsOptional()
  @IsIn(TIMELINE_ORDERS.values())
  sort?: string;
}
