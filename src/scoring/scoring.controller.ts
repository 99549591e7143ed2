import { Body, Controller, Get, Param, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { Roles, type Principal } from '../auth/roles.js';
import { UuidPipe } from '../common/uuid.pipe.js';
import { VersionPipe } from '../common/version.pipe.js';
import { ScoreQuery } from './dto/score.query.js';
import { ScoreExplainService } from './score-explain.service.js';
import { ScoringModelService, type ScoringModelVersion } from './scoring-model.service.js';
import { ScoringReevaluationService } from './scoring-reevaluation.service.js';

@ApiTags('scoring')
@ApiBearerAuth()
@Controller('api/v1')
export class ScoringController {
  constructor(
    private readonly models: ScoringModelService,
    private readonly explainer: ScoreExplainService,
    private readonly reevaluations: ScoringReevaluationService,
  ) {}

  /** The current version, with how far its re-evaluation of every lead has come. */
  @Get('scoring-model')
  @Roles('marketer')
  async current() {
    return this.withReevaluation(await this.models.current());
  }

  @Get('scoring-model/versions/:version')
  @Roles('marketer')
  async version(@Param('version', VersionPipe) version: number) {
    return this.withReevaluation(await this.models.version(version));
  }

  /**
   * Publishes a new version of the model. History keeps the version that produced each point; every lead is
   * re-evaluated under it in the background (fit recomputed, the MQL rule applied): `reevaluation` follows it.
   */
  @Put('scoring-model')
  @Roles('marketer')
  @ApiBody({
    description:
      'The model definition (behaviourRules, fitRules, intentTiers, mql, halfLifeDays), or a version as GET returns it ' +
      '({version, definition, createdAt, createdBy, reevaluation}: only its definition is read). 422 naming the field when invalid.',
    schema: { type: 'object', additionalProperties: true },
  })
  async publish(@Body() body: unknown, @CurrentPrincipal() principal: Principal) {
    return this.withReevaluation(await this.models.publish(body, `api-key:${principal.name}`));
  }

  @Get('leads/:id/score')
  @Roles('marketer', 'sales')
  score(@Param('id', UuidPipe) id: string, @Query() q: ScoreQuery) {
    return this.explainer.explain(id, q.top ?? 20);
  }

  private async withReevaluation(model: ScoringModelVersion) {
    return { ...model, reevaluation: await this.reevaluations.of(model.version) };
  }
}
