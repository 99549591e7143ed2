import { Module } from '@nestjs/common';
import { LeadsModule } from '../leads/leads.module.js';
import { ScoringModule } from '../scoring/scoring.module.js';
import { HandoffReassignment } from './handoff-reassignment.service.js';
import { HandoffsController } from './handoffs.controller.js';
import { HandoffsModule } from './handoffs.module.js';
import { HandoffsService } from './handoffs.service.js';
import { SalesActionsService } from './sales-actions.service.js';
import { SalesRepsController } from './sales-reps.controller.js';
import { SalesRepsService } from './sales-reps.service.js';

/** The sales API (API role): the hand-off queue, sales answers and the sales team. */
@Module({
  imports: [HandoffsModule, ScoringModule, LeadsModule],
  controllers: [HandoffsController, SalesRepsController],
  providers: [HandoffsService, SalesActionsService, SalesRepsService, HandoffReassignment],
})
export class HandoffsApiModule {}
