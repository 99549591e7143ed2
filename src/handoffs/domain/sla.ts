import { DomainError } from '../../common/domain-error.js';
import { IntentTier } from './intent-tier.js';
import { OfficeWeek, addOfficeTime } from './office-hours.js';

/** Response time per intent tier, in office minutes. */
export type SlaConfig = Record<IntentTier, number>;

/** High intent: 15 office minutes; medium: 24 office hours; low: 72 office hours. */
export const DEFAULT_SLA_MINUTES: Readonly<SlaConfig> = Object.freeze({ high: 15, medium: 24 * 60, low: 72 * 60 });

/** The office minutes sales has to answer a hand-off of this tier; `config` overrides the defaults per tier. */
export function slaFor(tier: IntentTier, config: Partial<SlaConfig> = {}): number {
  const minutes = config[tier] ?? DEFAULT_SLA_MINUTES[tier];
  if (!Number.isFinite(minutes) || minutes <= 0) {
    throw DomainError.invalidField(`sla.${tier}`, 'must be a positive number of office minutes');
  }
  return minutes;
}

/** When a hand-off created at `createdAt` breaches its SLA: the tier's office minutes counted in `week`. */
export function slaDueAt(createdAt: Date, tier: IntentTier, week: OfficeWeek, config: Partial<SlaConfig> = {}): Date {
  return addOfficeTime(createdAt, slaFor(tier, config), week);
}
