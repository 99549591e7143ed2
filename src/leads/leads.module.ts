import { Module } from '@nestjs/common';
import { StageMoves } from '../lifecycle/stage-moves.js';
import { ScoringModule } from '../scoring/scoring.module.js';
import { LeadStageService } from './lead-stage.service.js';
import { LeadsController } from './leads.controller.js';
import { LeadsService } from './leads.service.js';
import { TimelineService } from './timeline.service.js';

@Module({
  imports: [ScoringModule],
  controllers: [LeadsController],
  providers: [LeadsService, LeadStageService, TimelineService, StageMoves],
  exports: [LeadsService, TimelineService],
})
export class LeadsModule {}
