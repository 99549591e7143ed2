import { Module } from '@nestjs/common';
import { ScoreExplainService } from './score-explain.service.js';
import { ScoringController } from './scoring.controller.js';
import { ScoringModule } from './scoring.module.js';

/** The HTTP side of scoring (API role): the scoring model and score explanations. */
@Module({
  imports: [ScoringModule],
  controllers: [ScoringController],
  providers: [ScoreExplainService],
})
export class ScoringApiModule {}
