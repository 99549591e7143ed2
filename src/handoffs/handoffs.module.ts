import { Module } from '@nestjs/common';
import { LeadsModule } from '../leads/leads.module.js';
import { ScoringModule } from '../scoring/scoring.module.js';
import { HandoffCreator } from './handoff-creator.service.js';
import { HandoffSnapshotService } from './handoff-snapshot.service.js';
import { HandoffsController } from './handoffs.controller.js';
import { HandoffsService } from './handoffs.service.js';
import { OwnerAssignment } from './owner-assignment.js';
import { SalesActionsService } from './sales-actions.service.js';
import { SalesRepsController } from './sales-reps.controller.js';
import { SalesRepsService } from './sales-reps.service.js';
import { SlaBreachService } from './sla-breach.service.js';

/**
 * Sales hand-off for every process role: the sales API (queue, answers, team) and the use cases the
 * worker runs (creation from the outbox, SLA watch), registered by HandoffsWorkerModule.
 */
@Module({
  imports: [ScoringModule, LeadsModule],
  controllers: [HandoffsController, SalesRepsController],
  providers: [HandoffsService, SalesActionsService, SalesRepsService, HandoffSnapshotService, OwnerAssignment, HandoffCreator, SlaBreachService],
  exports: [HandoffsService, HandoffCreator, SlaBreachService],
})
export class HandoffsModule {}
