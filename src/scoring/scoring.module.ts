import { Module } from '@nestjs/common';
import { LeadScoringService } from './lead-scoring.service.js';
import { ScoreExplainService } from './score-explain.service.js';
import { ScoringBatcher } from './scoring-batcher.js';
import { ScoringController } from './scoring.controller.js';
import { ScoringModelService } from './scoring-model.service.js';

@Module({
  controllers: [ScoringController],
  providers: [ScoringModelService, LeadScoringService, ScoreExplainService, ScoringBatcher],
  exports: [ScoringModelService, LeadScoringService, ScoreExplainService, ScoringBatcher],
})
export class ScoringModule {}
