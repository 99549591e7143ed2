import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQuery, SortedList } from '../../common/pagination.js';
import { IsTimestamp } from '../../common/validators/is-timestamp.js';
import { STAGES, type Stage } from '../../scoring/domain/lifecycle.js';

/** Leads by creation (`createdAt`) or last change (`updatedAt`), each reversed with a leading `-`; ties by id. */
export const LEAD_ORDERS = new SortedList({
  createdAt: [['created_at', 'timestamptz'], ['id', 'uuid']],
  updatedAt: [['updated_at', 'timestamptz'], ['id', 'uuid']],
});

export class ListLeadsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: STAGES })
  @IsOptional()
  @IsIn(STAGES)
  stage?: Stage;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(320)
  email?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(64)
  channel?: string;

  @ApiPropertyOptional({
    example: '2026-03-02T10:00:00+01:00',
    description:
      'Only leads changed at or after this instant (`updatedAt`; with a UTC offset), listed by `updatedAt` unless `sort` says otherwise: for a CRM that ' +
      'syncs incrementally. `updatedAt` moves on every change of the lead: its fields, stage, fit score, consent, and erasure; not on engagement ' +
      'points, which scoring writes for every scored batch (read them with GET /leads/{id}/score; a promotion moves the stage, and `lead.mql` announces it). A lead changed while you page moves behind the cursor and comes again on a later page, so none is skipped. ' +
      'A change is stamped when its transaction starts and seen when it commits, so start the next sync somewhat before the last `updatedAt` you ' +
      'received (a minute is ample); leads you see twice are harmless.',
  })
  @IsOptional()
  @IsTimestamp()
  updatedSince?: string;

  @ApiPropertyOptional({
    enum: LEAD_ORDERS.values(),
    description:
      '`createdAt` (the default without updatedSince): oldest first; `updatedAt` (the default with updatedSince): least recently changed first; ' +
      'a leading `-` reverses either. Ties go by id. A cursor carries its order: leave `sort` out on later pages or repeat it (another order is 422).',
  })
  @IsOptional()
  @IsIn(LEAD_ORDERS.values())
  sort?: string;
}
