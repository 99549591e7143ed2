import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DomainError } from '../common/domain-error.js';
import { UuidPipe } from '../common/uuid.pipe.js';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { Roles, type Principal } from '../auth/roles.js';
import { EnrollDto } from './dto/enroll.dto.js';
import { ListEnrollmentsQuery } from './dto/list-enrollments.query.js';
import { SimulateDto } from './dto/simulate.dto.js';
import { EnrollmentExits } from './enrollment-exits.service.js';
import { EnrollmentsService } from './enrollments.service.js';
import { ProgramStatsService } from './program-stats.service.js';
import { SimulationService } from './simulation.service.js';

/** What runs inside a program: enrollments, a dry run for a sample lead, and the per-step funnel. */
@ApiTags('programs')
@ApiBearerAuth()
@Controller('api/v1/programs/:id')
export class ProgramRunsController {
  constructor(
    private readonly enrollments: EnrollmentsService,
    private readonly exits: EnrollmentExits,
    private readonly simulation: SimulationService,
    private readonly statsService: ProgramStatsService,
  ) {}

  /**
   * `{leadId}` enrolls one lead (201, the enrollment; 409 when it is not, with `reason`: already_enrolled,
   * not_eligible, goal_already_met, or why the lead may not be mailed, such as unsubscribed); `{leadIds: [...]}`
   * (up to 100,000) or `{segment: {where}}` enroll many at once (200, counts, with how many were skipped because
   * they already met the goal or may not be mailed).
   */
  @Post('enrollments')
  @Roles('marketer')
  async enroll(@Param('id', UuidPipe) id: string, @Body() dto: EnrollDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const given = [dto.leadId, dto.leadIds, dto.segment].filter((v) => v !== undefined).length;
    if (given !== 1) throw DomainError.invalidField('body', 'give exactly one of leadId, leadIds, segment');
    if (dto.leadId) {
      void reply.status(201);
      return this.enrollments.enrollOne(id, dto.leadId.toLowerCase());
    }
    void reply.status(200);
    return this.enrollments.enrollMany(id, dto);
  }

  @Get('enrollments')
  @Roles('marketer')
  list(@Param('id', UuidPipe) id: string, @Query() q: ListEnrollmentsQuery) {
    return this.enrollments.list(id, q);
  }

  /**
   * Takes the lead out of the program: its active enrollment exits with reason `unenrolled` (and `exitedBy`), its
   * emails still queued are cancelled (one being sent, or held, is left as it is), and the ended enrollment is
   * returned. A repeat returns the same ended enrollment (200, nothing changes); 409 `not_enrolled` when the lead's
   * latest enrollment ended otherwise (completed, converted, another exit); 404 when the lead was never enrolled in it.
   */
  @Delete('enrollments/:leadId')
  @Roles('marketer')
  unenroll(@Param('id', UuidPipe) id: string, @Param('leadId', UuidPipe) leadId: string, @CurrentPrincipal() principal: Principal) {
    return this.exits.unenroll(id, leadId, `api-key:${principal.name}`);
  }

  /** The dated timeline for a sample lead (send windows and frequency cap applied); nothing is sent or stored. */
  @Post('simulate')
  @HttpCode(200)
  @Roles('marketer')
  simulate(@Param('id', UuidPipe) id: string, @Body() dto: SimulateDto) {
    return this.simulation.simulate(id, dto);
  }

  /** Per step: entered, sent, delivered, humanOpens, clicks, unsubscribes, goalReached, exited by reason; leads skipped by reason. */
  @Get('stats')
  @Roles('marketer')
  stats(@Param('id', UuidPipe) id: string) {
    return this.statsService.stats(id);
  }
}
