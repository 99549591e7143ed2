import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { Roles, type Principal } from '../auth/roles.js';
import { UuidPipe } from '../common/uuid.pipe.js';
import { InstallStartersDto } from './dto/install-starters.dto.js';
import { ListProgramsQuery } from './dto/list-programs.query.js';
import { ProgramsService } from './programs.service.js';
import { StarterProgramsService } from './starters/starter-programs.service.js';

const DEFINITION_DOC = {
  description: 'A program definition: name, trigger, goal, reenrollment, sendWindow, entryFilter, locales and steps (see API.md "Programs").',
  schema: { type: 'object', additionalProperties: true },
};

/** Programs: drafts, immutable published versions, pause, resume, archive. */
@ApiTags('programs')
@ApiBearerAuth()
@Controller('api/v1/programs')
export class ProgramsController {
  constructor(
    private readonly programs: ProgramsService,
    private readonly starters: StarterProgramsService,
  ) {}

  /** Creates a draft; a definition whose steps do not form a valid program is refused with 422 naming the step. */
  @Post()
  @Roles('marketer')
  @ApiBody(DEFINITION_DOC)
  create(@Body() body: unknown) {
    return this.programs.create(body);
  }

  @Get()
  @Roles('marketer')
  list(@Query() q: ListProgramsQuery) {
    return this.programs.list(q);
  }

  /** Installs the starter programs (welcome and qualify, quote follow-up, monthly recycle) and their templates. */
  @Post('starters')
  @HttpCode(200)
  @Roles('marketer')
  installStarters(@Body() dto: InstallStartersDto, @CurrentPrincipal() principal: Principal) {
    return this.starters.install(dto.activate ?? false, `api-key:${principal.name}`);
  }

  @Get(':id')
  @Roles('marketer')
  get(@Param('id', UuidPipe) id: string) {
    return this.programs.get(id);
  }

  /** Replaces the draft. Published versions never change. */
  @Put(':id')
  @Roles('marketer')
  @ApiBody(DEFINITION_DOC)
  update(@Param('id', UuidPipe) id: string, @Body() body: unknown) {
    return this.programs.update(id, body);
  }

  /** Publishes the draft as a new immutable version; enrolled leads finish on the version they entered. */
  @Post(':id/publish')
  @HttpCode(200)
  @Roles('marketer')
  publish(@Param('id', UuidPipe) id: string, @CurrentPrincipal() principal: Principal) {
    return this.programs.publish(id, `api-key:${principal.name}`);
  }

  /** Holds every due step and stops new enrollments until resumed. */
  @Post(':id/pause')
  @HttpCode(200)
  @Roles('marketer')
  pause(@Param('id', UuidPipe) id: string) {
    return this.programs.pause(id);
  }

  @Post(':id/resume')
  @HttpCode(200)
  @Roles('marketer')
  resume(@Param('id', UuidPipe) id: string) {
    return this.programs.resume(id);
  }

  /** Archives the program; active enrollments exit with reason "archived". */
  @Post(':id/archive')
  @HttpCode(200)
  @Roles('marketer')
  archive(@Param('id', UuidPipe) id: string) {
    return this.programs.archive(id);
  }
}
