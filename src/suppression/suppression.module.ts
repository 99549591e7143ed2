import { Module } from '@nestjs/common';
import { LeadOptOutService } from './lead-opt-out.service.js';
import { SuppressionSaltLoader } from './suppression-salt.loader.js';
import { SuppressionService } from './suppression.service.js';

/**
 * The suppression list and opting a lead out. Email delivery and the program engine import this module
 * and call SuppressionService.isSuppressed right before each send. Loads the salt of the address hash at start-up.
 */
@Module({
  providers: [SuppressionService, LeadOptOutService, SuppressionSaltLoader],
  exports: [SuppressionService, LeadOptOutService],
})
export class SuppressionModule {}
