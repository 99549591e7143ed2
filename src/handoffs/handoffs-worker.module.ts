import { Module } from '@nestjs/common';
import { OutboxRelayModule } from '../lifecycle/outbox-relay.module.js';
import { ScoringModule } from '../scoring/scoring.module.js';
import { ColdMqlCron } from './cold-mql.cron.js';
import { HandoffRequestsConsumer } from './handoff-requests.consumer.js';
import { HandoffsModule } from './handoffs.module.js';
import { SlaBreachCron } from './sla-breach.cron.js';

/** What a worker runs for hand-offs: creation from `lead.mql` / `handoff.requested`, the SLA watch and the cold-MQL sweep. */
@Module({
  imports: [HandoffsModule, OutboxRelayModule, ScoringModule],
  providers: [HandoffRequestsConsumer, SlaBreachCron, ColdMqlCron],
})
export class HandoffsWorkerModule {}
