import { Module } from '@nestjs/common';
import { LeadScoringService } from './lead-scoring.service.js';
import { ScoringBatcher } from './scoring-batcher.js';
import { ScoringModelService } from './scoring-model.service.js';
import { ScoringReevaluationService } from './scoring-reevaluation.service.js';

/** Scoring for every process role: the model and its re-evaluations, scoring leads and its batcher. The HTTP side is ScoringApiModule. */
@Module({
  providers: [ScoringModelService, ScoringReevaluationService, LeadScoringService, ScoringBatcher],
  exports: [ScoringModelService, ScoringReevaluationService, LeadScoringService, ScoringBatcher],
})
export class ScoringModule {}
