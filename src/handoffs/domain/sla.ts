import { DomainError } from '../../common/domain-error.js';
import { IntentTier } from './intent-tier.js';
import { OfficeWeek, addOfficeDays, addOfficeTime } from './office-hours.js';

/**
 * How long sales has to answer a hand-off, counted in office time: a number of office minutes, or a number of
 * office days (the same office time on that many office days later, as a sales manager reads "24 hours").
 */
export type SlaSpan = { officeMinutes: number } | { officeDays: number };

/** Response time per intent tier. */
export type SlaConfig = Record<IntentTier, SlaSpan>;

/** High intent: 15 office minutes; medium: "24 hours", one office day; low: "72 hours", three office days. */
export const DEFAULT_SLA: Readonly<SlaConfig> = Object.freeze({ high: { officeMinutes: 15 }, medium: { officeDays: 1 }, low: { officeDays: 3 } });

/** The time sales has to answer a hand-off of this tier; `config` overrides the defaults per tier. */
export function slaFor(tier: IntentTier, config: Partial<SlaConfig> = {}): SlaSpan {
  const span = config[tier] ?? DEFAULT_SLA[tier];
  if ('officeDays' in span) {
    if (!Number.isInteger(span.officeDays) || span.officeDays <= 0) throw DomainError.invalidField(`sla.${tier}`, 'must be a positive whole number of office days');
  } else if (!Number.isFinite(span.officeMinutes) || span.officeMinutes <= 0) {
    throw DomainError.invalidField(`sla.${tier}`, 'must be a positive number of office minutes');
  }
  return span;
}

/** When a hand-off created at `createdAt` breaches its SLA: the tier's office minutes or office days counted in `week`. */
export function slaDueAt(createdAt: Date, tier: IntentTier, week: OfficeWeek, config: Partial<SlaConfig> = {}): Date {
  const span = slaFor(tier, config);
  return 'officeDays' in span ? addOfficeDays(createdAt, span.officeDays, week) : addOfficeTime(createdAt, span.officeMinutes, week);
}
