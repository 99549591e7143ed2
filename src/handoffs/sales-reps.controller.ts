import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { Roles, type Principal } from '../auth/roles.js';
import { PageQuery } from '../common/pagination.js';
import { UuidPipe } from '../common/uuid.pipe.js';
import { CreateSalesRepDto, UpdateSalesRepDto } from './dto/sales-rep.dto.js';
import { SalesRepsService } from './sales-reps.service.js';

/** The sales team hand-offs are shared among (weighted round robin, language first). */
@ApiTags('sales')
@ApiBearerAuth()
@Controller('api/v1/sales-reps')
export class SalesRepsController {
  constructor(private readonly reps: SalesRepsService) {}

  @Get()
  @Roles('marketer', 'sales')
  list(@Query() q: PageQuery) {
    return this.reps.list(q);
  }

  @Get(':id')
  @Roles('marketer', 'sales')
  get(@Param('id', UuidPipe) id: string) {
    return this.reps.get(id);
  }

  /** Adds a rep; one who takes hand-offs also gets the pending hand-offs that had no active owner (`handoff.reassigned`). */
  @Post()
  @Roles('marketer')
  create(@Body() dto: CreateSalesRepDto, @CurrentPrincipal() principal: Principal) {
    return this.reps.create(dto, `api-key:${principal.name}`);
  }

  /**
   * Changes a rep. `active: false` gives their pending hand-offs (not accepted or rejected yet) to the other active reps
   * by round robin and language, each with a fresh SLA deadline, announced as `handoff.reassigned` (reason
   * `owner_inactive`); with nobody to take them they wait and move once a rep is available. A rep who becomes available
   * (re-activated, or weight up from 0) also gets pending hand-offs that had no active owner.
   */
  @Patch(':id')
  @Roles('marketer')
  update(@Param('id', UuidPipe) id: string, @Body() dto: UpdateSalesRepDto, @CurrentPrincipal() principal: Principal) {
    return this.reps.update(id, dto, `api-key:${principal.name}`);
  }
}
