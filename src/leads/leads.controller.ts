import { Body, Controller, Get, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { Roles, type Principal } from '../auth/roles.js';
import { UuidPipe } from '../common/uuid.pipe.js';
import { ListLeadsQuery } from './dto/list-leads.query.js';
import { SetLeadStageDto } from './dto/set-lead-stage.dto.js';
import { TimelineQuery } from './dto/timeline.query.js';
import { UpsertLeadDto } from './dto/upsert-lead.dto.js';
import { LeadStageService } from './lead-stage.service.js';
import { LeadsService } from './leads.service.js';
import { TimelineService } from './timeline.service.js';

@ApiTags('leads')
@ApiBearerAuth()
@Controller('api/v1/leads')
export class LeadsController {
  constructor(
    private readonly leads: LeadsService,
    private readonly timeline: TimelineService,
    private readonly stages: LeadStageService,
  ) {}

  /** Creates (201) or updates (200) the lead with this email address. */
  @Post()
  @Roles('ingest', 'marketer')
  async upsert(@Body() dto: UpsertLeadDto, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply) {
    const { created, lead } = await this.leads.upsert(dto, `api-key:${principal.name}`);
    void reply.status(created ? 201 : 200);
    return lead;
  }

  @Get()
  @Roles('marketer', 'sales')
  list(@Query() q: ListLeadsQuery) {
    return this.leads.list(q);
  }

  @Get(':id')
  @Roles('marketer', 'sales')
  get(@Param('id', UuidPipe) id: string) {
    return this.leads.get(id);
  }

  /**
   * Sets the lead's stage by hand, with a reason kept in its stage history: customer, disqualified (never nurtured
   * again), or lead (back into nurture). A lead sales accepted is moved by its hand-off's outcome (409). A lead
   * set to lead that already meets the MQL rule becomes an MQL at once (by scoring, reason mql_rule, and a hand-off):
   * the answer shows the stage it ended at.
   */
  @Patch(':id')
  @Roles('marketer')
  setStage(@Param('id', UuidPipe) id: string, @Body() dto: SetLeadStageDto, @CurrentPrincipal() principal: Principal) {
    return this.stages.set(id, dto, `api-key:${principal.name}`);
  }

  @Get(':id/timeline')
  @Roles('marketer', 'sales')
  history(@Param('id', UuidPipe) id: string, @Query() q: TimelineQuery) {
    return this.timeline.forLead(id, q.limit ?? 50, q.cursor, q.sort);
  }
}
