import { Body, Controller, Get, Param, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { Roles, type Principal } from '../auth/roles.js';
import { UuidPipe } from '../common/uuid.pipe.js';
import { VersionPipe } from '../common/version.pipe.js';
import { ScoreQuery } from './dto/score.query.js';
import { ScoreExplainService } from './score-explain.service.js';
import { ScoringModelService } from './scoring-model.service.js';

@ApiTags('scoring')
@ApiBearerAuth()
@Controller('api/v1')
export class ScoringController {
  constructor(
    private readonly models: ScoringModelService,
    private readonly explainer: ScoreExplainService,
  ) {}

  @Get('scoring-model')
  @Roles('marketer')
  current() {
    return this.models.current();
  }

  @Get('scoring-model/versions/:version')
  @Roles('marketer')
  version(@Param('version', VersionPipe) version: number) {
    return this.models.version(version);
  }

  /** Publishes a new version of the model. History keeps the version that produced each point. */
  @Put('scoring-model')
  @Roles('marketer')
  @ApiBody({
    description:
      'The model definition (behaviourRules, fitRules, intentTiers, mql, halfLifeDays), or a version as GET returns it ' +
      '({version, definition, createdAt, createdBy}: only its definition is read). 422 naming the field when invalid.',
    schema: { type: 'object', additionalProperties: true },
  })
  publish(@Body() body: unknown, @CurrentPrincipal() principal: Principal) {
    return this.models.publish(body, `api-key:${principal.name}`);
  }

  @Get('leads/:id/score')
  @Roles('marketer', 'sales')
  score(@Param('id', UuidPipe) id: string, @Query() q: ScoreQuery) {
    return this.explainer.explain(id, q.top ?? 20);
  }
}
