/**
 * The vocabulary of the scoring model: which behaviour earns engagement points, which traits earn
 * fit points, how fast engagement decays, how urgent each event type is, and when a lead becomes
 * an MQL. Import it through `scoring-model.ts`.
 */

/** How urgently an event type asks for sales attention. */
export type IntentTier = 'high' | 'medium' | 'low';
export const INTENT_TIERS: readonly IntentTier[] = ['high', 'medium', 'low'];

export type ConditionOp =
  | 'equals'
  | 'notEquals'
  | 'contains'
  | 'startsWith'
  | 'endsWith'
  | 'matches'
  | 'in'
  | 'exists'
  | 'gt'
  | 'gte'
  | 'lt'
  | 'lte';
export const CONDITION_OPS: readonly ConditionOp[] = [
  'equals',
  'notEquals',
  'contains',
  'startsWith',
  'endsWith',
  'matches',
  'in',
  'exists',
  'gt',
  'gte',
  'lt',
  'lte',
];

/** A test on one fact, addressed by a dotted path such as `properties.url` or `attributes.employees`. */
export interface Condition {
  field: string;
  op: ConditionOp;
  value?: string | number | boolean | (string | number)[];
}

/** Points for an event of one type, optionally only when all `where` conditions hold, optionally capped per window. */
export interface BehaviourRule {
  id: string;
  description: string;
  eventType: string;
  /** All must match. */
  where?: Condition[];
  points: number;
  /** At most `max` contributions of this rule in any window of length `window` (ISO-8601 duration, e.g. `P7D`). */
  cap?: { max: number; window: string };
}

/** Points for who the lead is, when all `where` conditions hold. */
export interface FitRule {
  id: string;
  description: string;
  where: Condition[];
  points: number;
}

/** The BANT questions the MQL rule counts as known or not. */
export type QualificationField = 'need' | 'timeline' | 'budget' | 'authority';
export const QUALIFICATION_FIELDS: readonly QualificationField[] = ['need', 'timeline', 'budget', 'authority'];

export interface MqlRuleConfig {
  engagementThreshold: number;
  minQualificationKnown: number;
  qualificationFields: QualificationField[];
  /** `null`: no fit requirement. */
  minFitScore: number | null;
}

export interface ScoringModelDefinition {
  halfLifeDays: number;
  behaviourRules: BehaviourRule[];
  fitRules: FitRule[];
  /** Event type → tier; event types not listed are `low`. */
  intentTiers: Record<string, IntentTier>;
  mql: MqlRuleConfig;
}

/** Facts a behaviour rule can test: the event `type` and anything under `properties.`. */
export const BEHAVIOUR_FACT_FIELDS: readonly string[] = ['type'];
export const BEHAVIOUR_FACT_OBJECTS: readonly string[] = ['properties'];

/** Facts a fit rule can test: lead fields, plus anything under `attributes.`, `qualification.`, `source.`. */
export const FIT_FACT_FIELDS: readonly string[] = ['email', 'emailDomain', 'jobTitle', 'company', 'country'];
export const FIT_FACT_OBJECTS: readonly string[] = ['attributes', 'qualification', 'source'];

/** Bounds a model must stay within, so no configuration can make scoring slow or absurd. */
export const SCORING_LIMITS = {
  maxRules: 500,
  maxIntentTiers: 500,
  maxConditionsPerRule: 20,
  maxInValues: 500,
  maxPoints: 1000,
  minHalfLifeDays: 1,
  maxHalfLifeDays: 3650,
  maxStringLength: 500,
  maxIdLength: 100,
  maxCapMax: 10_000,
  /** Longest cap window, in days; the scorer loads ledger rows this far back. */
  maxCapWindowDays: 366,
} as const;
