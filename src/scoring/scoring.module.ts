import { Module } from '@nestjs/common';
import { LeadScoringService } from './lead-scoring.service.js';
import { ScoringBatcher } from './scoring-batcher.js';
import { ScoringModelService } from './scoring-model.service.js';

/** Scoring for every process role: the model, scoring leads and its batcher. The HTTP side is ScoringApiModule. */
@Module({
  providers: [ScoringModelService, LeadScoringService, ScoringBatcher],
  exports: [ScoringModelService, LeadScoringService, ScoringBatcher],
})
export class ScoringModule {}
