import { Module } from '@nestjs/common';
import { LeadScoringService } from './lead-scoring.service.js';
import { ScoreExplainService } from './score-explain.service.js';
import { ScoringController } from './scoring.controller.js';
import { ScoringModelService } from './scoring-model.service.js';

@Module({
  controllers: [ScoringController],
  providers: [ScoringModelService, LeadScoringService, ScoreExplainService],
  exports: [ScoringModelService, LeadScoringService, ScoreExplainService],
})
export class ScoringModule {}
