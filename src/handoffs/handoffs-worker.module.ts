import { Module } from '@nestjs/common';
import { OutboxRelayModule } from '../lifecycle/outbox-relay.module.js';
import { ScoringModule } from '../scoring/scoring.module.js';
import { HandoffRequestsConsumer } from './handoff-requests.consumer.js';
import { HandoffsModule } from './handoffs.module.js';
import { SlaBreachCron } from './sla-breach.cron.js';

/** What a worker runs for hand-offs: creation from `lead.mql` / `handoff.requested`, and the SLA watch. */
@Module({
  imports: [HandoffsModule, OutboxRelayModule, ScoringModule],
  providers: [HandoffRequestsConsumer, SlaBreachCron],
})
export class HandoffsWorkerModule {}
