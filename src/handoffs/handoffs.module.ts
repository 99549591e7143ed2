import { Module } from '@nestjs/common';
import { StageMoves } from '../lifecycle/stage-moves.js';
import { ScoringModule } from '../scoring/scoring.module.js';
import { ColdMqlRecycling } from './cold-mql-recycling.service.js';
import { HandoffCreator } from './handoff-creator.service.js';
import { HandoffRehoming } from './handoff-rehoming.service.js';
import { HandoffSnapshotService } from './handoff-snapshot.service.js';
import { OwnerAssignment } from './owner-assignment.js';
import { SlaBreachService } from './sla-breach.service.js';

/**
 * Sales hand-off use cases for every process role: creation (from the outbox), the SLA watch, giving hand-offs
 * without an active owner to the team (on a team change, and on each SLA sweep) and recycling MQLs that went cold;
 * creation, the watch and the cold sweep run by HandoffsWorkerModule. The sales API (queue, answers, team) is HandoffsApiModule (API role only).
 */
@Module({
  imports: [ScoringModule],
  providers: [HandoffSnapshotService, OwnerAssignment, HandoffCreator, SlaBreachService, HandoffRehoming, StageMoves, ColdMqlRecycling],
  exports: [HandoffCreator, SlaBreachService, OwnerAssignment, HandoffSnapshotService, HandoffRehoming, StageMoves, ColdMqlRecycling],
})
export class HandoffsModule {}
