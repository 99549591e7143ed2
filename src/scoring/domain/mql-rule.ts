import { isKnownAnswer } from './qualification.js';
import type { MqlRuleConfig, QualificationField } from './scoring-model.types.js';

export interface MqlRuleInput {
  /** The engagement the rule counts (see {@link mqlEngagement}): for a recycled lead, only that earned since `recycledAt`. */
  engagementScore: number;
  fitScore: number;
  qualification: Record<string, unknown>;
  /** When the lead was recycled, if it is recycled now (the explanation says the engagement counted is that since). */
  recycledAt?: Date | null;
  /**
   * The lead's stage, when known. A subscriber is nurture only, never a sales lead: the rule does not hold for it
   * until it is a lead (a download, a webinar or a form with its contact details makes it one; see decidePromotion).
   */
  stage?: string;
}

export interface MqlCondition {
  id: 'stage' | 'engagement' | 'qualification' | 'fit';
  met: boolean;
  description: string;
  /** A number, or for `stage` the stage required (lead) and the lead's. */
  required: number | string;
  actual: number | string;
}

export interface MqlRuleResult {
  met: boolean;
  conditions: MqlCondition[];
  /** What is still lacking, for people: "engagement score 50 or more (now 32.5)". */
  missing: string[];
}

/**
 * The MQL rule: engagement at or above the threshold, enough qualification questions answered,
 * and (when the model asks for it) a minimum fit score. All conditions must be met.
 */
export function evaluateMqlRule(input: MqlRuleInput, rule: MqlRuleConfig): MqlRuleResult {
  const known = rule.qualificationFields.filter((field) => isKnown(input.qualification, field));
  const conditions: MqlCondition[] = [];
  if (input.stage === 'subscriber') {
    conditions.push({
      id: 'stage',
      met: false,
      description: 'a lead, not a subscriber: a download, a webinar or a form with contact details makes a subscriber a lead',
      required: 'lead',
      actual: input.stage,
    });
  }
  conditions.push(
    {
      id: 'engagement',
      met: engagementMet(input, rule),
      description: input.recycledAt
        ? `engagement earned since recycled (${input.recycledAt.toISOString()}) ${formatRequired(rule.engagementThreshold)} or more`
        : `engagement score ${formatRequired(rule.engagementThreshold)} or more`,
      required: rule.engagementThreshold,
      actual: input.engagementScore,
    },
    {
      id: 'qualification',
      met: known.length >= rule.minQualificationKnown,
      description: `${rule.minQualificationKnown} of ${rule.qualificationFields.join(', ')} known`,
      required: rule.minQualificationKnown,
      actual: known.length,
    },
  );
  if (rule.minFitScore !== null) {
    conditions.push({
      id: 'fit',
      met: fitMet(input, rule),
      description: `fit score ${formatRequired(rule.minFitScore)} or more`,
      required: rule.minFitScore,
      actual: input.fitScore,
    });
  }

  const missing = conditions
    .filter((c) => !c.met)
    .map((c) => {
      if (c.id === 'stage') return `${c.description} (now ${c.actual})`;
      if (c.id !== 'qualification') return `${c.description} (now ${formatActual(Number(c.actual))})`;
      return `${c.description} (now ${known.length}${known.length > 0 ? `: ${known.join(', ')}` : ''})`;
    });
  return { met: missing.length === 0, conditions, missing };
}

/**
 * Whether the MQL rule holds: the same verdict as {@link evaluateMqlRule}`.met`, without building the
 * explanation (scoring decides this for every lead it touches; only people read the explanation).
 */
export function mqlRuleMet(input: MqlRuleInput, rule: MqlRuleConfig): boolean {
  if (input.stage === 'subscriber' || !engagementMet(input, rule) || !fitMet(input, rule)) return false;
  let known = 0;
  for (const field of rule.qualificationFields) if (isKnown(input.qualification, field)) known++;
  return known >= rule.minQualificationKnown;
}

function engagementMet(input: MqlRuleInput, rule: MqlRuleConfig): boolean {
  return input.engagementScore >= rule.engagementThreshold;
}

/** Met when the model sets no minimum fit score. */
function fitMet(input: MqlRuleInput, rule: MqlRuleConfig): boolean {
  return rule.minFitScore === null || input.fitScore >= rule.minFitScore;
}

/**
 * The engagement the MQL rule counts for a lead in `stage`: its engagement score, but for a recycled lead only what
 * it earned from events since it was recycled (`recycledEarned`, as of the same moment as `engagement`; none known
 * counts as nothing). Sales sent it back: the score and answers that made it an MQL then are no new evidence.
 */
export function mqlEngagement(stage: string, engagement: number, recycledEarned: number | null | undefined): number {
  return stage === 'recycled' ? (recycledEarned ?? 0) : engagement;
}

/** Whether the lead answered `field` with a known answer ({@link isKnownAnswer}, as fit rules read it too). */
export function isKnown(qualification: Record<string, unknown>, field: QualificationField): boolean {
  return Object.hasOwn(qualification, field) && isKnownAnswer(qualification[field]);
}

function formatRequired(n: number): string {
  return String(Math.round(n * 100) / 100);
}

// One decimal, rounded down so a score just under the threshold never reads as reaching it.
function formatActual(n: number): string {
  return String(Math.floor(n * 10) / 10);
}
