import { Module } from '@nestjs/common';
import { LeadOptOutService } from './lead-opt-out.service.js';
import { SuppressionSaltLoader } from './suppression-salt.loader.js';
import { SoftBounceService } from './soft-bounce.service.js';
import { SuppressionService } from './suppression.service.js';

/**
 * The suppression list and opting a lead out. Email delivery and the program engine import this module
 * and call SuppressionService.isSuppressed right before each send; delivery records the soft bounces it gives up
 * on through SoftBounceService. Loads the salt of the address hash at start-up.
 */
@Module({
  providers: [SuppressionService, LeadOptOutService, SoftBounceService, SuppressionSaltLoader],
  exports: [SuppressionService, LeadOptOutService, SoftBounceService],
})
export class SuppressionModule {}
