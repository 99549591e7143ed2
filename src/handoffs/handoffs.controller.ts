import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { Roles, type Principal } from '../auth/roles.js';
import { UuidPipe } from '../common/uuid.pipe.js';
import { AcceptHandoffDto } from './dto/accept-handoff.dto.js';
import { HandoffOutcomeDto } from './dto/handoff-outcome.dto.js';
import { ListHandoffsQuery } from './dto/list-handoffs.query.js';
import { ReassignHandoffDto } from './dto/reassign-handoff.dto.js';
import { RejectHandoffDto } from './dto/reject-handoff.dto.js';
import { HandoffReassignment } from './handoff-reassignment.service.js';
import { HandoffsService } from './handoffs.service.js';
import { SalesActionsService } from './sales-actions.service.js';

/**
 * Sales' side of the hand-off. Every sales key sees the whole queue and filters by `ownerId` (API keys
 * are not tied to a rep); marketers may read it; only sales (and admins) answer.
 */
@ApiTags('sales')
@ApiBearerAuth()
@Controller('api/v1/handoffs')
export class HandoffsController {
  constructor(
    private readonly handoffs: HandoffsService,
    private readonly actions: SalesActionsService,
    private readonly reassignment: HandoffReassignment,
  ) {}

  @Get()
  @Roles('sales', 'marketer')
  list(@Query() q: ListHandoffsQuery) {
    return this.handoffs.list(q);
  }

  /** The lead's profile, source, BANT answers, score with reasons and recent timeline, with priority, SLA and owner. */
  @Get(':id')
  @Roles('sales', 'marketer')
  get(@Param('id', UuidPipe) id: string) {
    return this.handoffs.get(id);
  }

  /** Accepts the lead: it becomes sales-qualified (sql) and leaves nurture. */
  @Post(':id/accept')
  @HttpCode(200)
  @Roles('sales')
  accept(@Param('id', UuidPipe) id: string, @Body() dto: AcceptHandoffDto, @CurrentPrincipal() principal: Principal) {
    return this.actions.accept(id, dto, actor(principal));
  }

  /** Rejects the lead with a reason: back to long-term nurture (recycled), or disqualified. */
  @Post(':id/reject')
  @HttpCode(200)
  @Roles('sales')
  reject(@Param('id', UuidPipe) id: string, @Body() dto: RejectHandoffDto, @CurrentPrincipal() principal: Principal) {
    return this.actions.reject(id, dto, actor(principal));
  }

  /**
   * Gives an open hand-off to another rep: `ownerId` (an active rep), or the next by round robin. A pending one
   * gets a fresh SLA deadline from now; announced as `handoff.reassigned`.
   */
  @Post(':id/reassign')
  @HttpCode(200)
  @Roles('sales')
  reassign(@Param('id', UuidPipe) id: string, @Body() dto: ReassignHandoffDto, @CurrentPrincipal() principal: Principal) {
    return this.reassignment.reassign(id, dto, actor(principal));
  }

  /** Reports how an accepted lead ended: opportunity, won (customer, with value) or lost (recycled). */
  @Post(':id/outcome')
  @HttpCode(200)
  @Roles('sales')
  outcome(@Param('id', UuidPipe) id: string, @Body() dto: HandoffOutcomeDto, @CurrentPrincipal() principal: Principal) {
    return this.actions.outcome(id, dto, actor(principal));
  }
}

function actor(principal: Principal): string {
  return `sales:${principal.name}`;
}
