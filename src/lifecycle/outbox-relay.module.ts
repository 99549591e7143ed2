import { Module } from '@nestjs/common';
import { OutboxRelayCron } from './outbox-relay.cron.js';
import { OutboxRelay } from './outbox-relay.service.js';

/**
 * The outbox relay, for worker processes. Consumers live in the modules that own them: they import this
 * module, inject {@link OutboxRelay} and register themselves when the module starts.
 */
@Module({
  providers: [OutboxRelay, OutboxRelayCron],
  exports: [OutboxRelay],
})
export class OutboxRelayModule {}
