import { Module } from '@nestjs/common';
import { ScoringModule } from '../scoring/scoring.module.js';
import { HandoffCreator } from './handoff-creator.service.js';
import { HandoffSnapshotService } from './handoff-snapshot.service.js';
import { OwnerAssignment } from './owner-assignment.js';
import { SlaBreachService } from './sla-breach.service.js';

/**
 * Sales hand-off use cases for every process role: creation (from the outbox) and the SLA watch, run by
 * HandoffsWorkerModule. The sales API (queue, answers, team) is HandoffsApiModule (API role only).
 */
@Module({
  imports: [ScoringModule],
  providers: [HandoffSnapshotService, OwnerAssignment, HandoffCreator, SlaBreachService],
  exports: [HandoffCreator, SlaBreachService, OwnerAssignment, HandoffSnapshotService],
})
export class HandoffsModule {}
