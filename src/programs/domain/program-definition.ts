/**
 * The shape of a nurture program definition, as marketers write it (API.md "Programs").
 * These are plain types and vocabularies; `parseProgramDefinition` turns untrusted JSON into them.
 */

/** Lifecycle stages in their forward order; `recycled` and `disqualified` sit outside the order. */
export const FORWARD_STAGES = ['subscriber', 'lead', 'mql', 'sql', 'opportunity', 'customer'] as const;
export const LIFECYCLE_STAGES = [...FORWARD_STAGES, 'recycled', 'disqualified'] as const;
export type ForwardStage = (typeof FORWARD_STAGES)[number];
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

/** Weekdays in ISO order (Monday first), as used by send windows. */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export const STEP_TYPES = ['email', 'wait', 'wait_until', 'branch', 'update_lead', 'handoff', 'exit'] as const;
export type StepType = (typeof STEP_TYPES)[number];

export const TRIGGER_TYPES = ['event', 'lead_created', 'stage_entered', 'segment', 'manual'] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];

export const CONDITION_OPS = [
  'equals',
  'notEquals',
  'contains',
  'startsWith',
  'endsWith',
  'in',
  'exists',
  'gt',
  'gte',
  'lt',
  'lte',
] as const;
export type ConditionOp = (typeof CONDITION_OPS)[number];

export const HANDOFF_PRIORITIES = ['high', 'medium', 'low'] as const;
export type HandoffPriority = (typeof HANDOFF_PRIORITIES)[number];

/** Step ids: short, lowercase, URL-safe. */
export const STEP_ID_PATTERN = /^[a-z0-9_-]{1,64}$/;
export const MAX_STEPS = 200;

export type Scalar = string | number | boolean | null;

/** Equality filter on an event's or lead's fields: `{"properties.asset": "gids"}`; an array means "any of". */
export type PropertyFilter = Record<string, Scalar | Scalar[]>;

// ---- conditions ---------------------------------------------------------------------------

/** A test on one lead field, e.g. `{field: "engagementScore", op: "gte", value: 40}`. */
export interface FieldCondition {
  field: string;
  op: ConditionOp;
  value?: Scalar | Scalar[];
}
export interface AndCondition {
  and: Condition[];
}
export interface OrCondition {
  or: Condition[];
}
export interface NotCondition {
  not: Condition;
}
/** The lead clicked a link in the email sent by the named step of this enrollment. */
export interface ClickedCondition {
  clicked: { step: string };
}
/** The lead (a human, not a privacy proxy) opened the email sent by the named step. */
export interface OpenedCondition {
  opened: { step: string };
}
/** The lead had an event of this type, optionally within an ISO-8601 duration before now. */
export interface PastEventCondition {
  event: { type: string; within?: string };
}
export type Condition =
  | FieldCondition
  | AndCondition
  | OrCondition
  | NotCondition
  | ClickedCondition
  | OpenedCondition
  | PastEventCondition;

// ---- trigger, goal, policies --------------------------------------------------------------

export type Trigger =
  | { type: 'event'; eventType: string; where?: PropertyFilter }
  | { type: 'lead_created'; where?: PropertyFilter }
  | { type: 'stage_entered'; stage: LifecycleStage }
  | { type: 'segment'; where: Condition }
  | { type: 'manual' };

/** One goal criterion: a stage reached, an event happened, or any lead condition. */
export type GoalCriterion = { stageAtLeast: ForwardStage } | { event: string } | Condition;

/** Reaching the goal ends the enrollment as converted. */
export type Goal = { anyOf: GoalCriterion[] } | { allOf: GoalCriterion[] };

/** Whether a lead may enter again once an enrollment ended: never, or `days` after the previous enrollment ended. */
export type ReenrollmentPolicy = { policy: 'never' } | { policy: 'after'; days: number };

/** Local days and hours (in the lead's zone) in which emails may go out; `from` inclusive, `to` exclusive. */
export interface SendWindow {
  days: Weekday[];
  /** 'HH:mm' */
  from: string;
  /** 'HH:mm', later than `from`; '24:00' means until midnight. */
  to: string;
}

// ---- steps --------------------------------------------------------------------------------

export interface EmailVariant {
  templateId?: string;
  subject?: string;
  weight: number;
}
export interface EmailStep {
  id: string;
  type: 'email';
  templateId: string;
  variants?: EmailVariant[];
  next: string;
}
export interface WaitStep {
  id: string;
  type: 'wait';
  /** ISO-8601 duration, e.g. 'P3D'. */
  duration: string;
  /** Count the duration's days as business days (whole days only): weekends and the configured holidays (HOLIDAYS) are skipped. */
  businessDays?: boolean;
  next: string;
}
export interface WaitUntilStep {
  id: string;
  type: 'wait_until';
  /** The awaited event; `step` ties it to the email sent by that step (e.g. a click on it). */
  event: { type: string; where?: PropertyFilter; step?: string };
  /** ISO-8601 duration after which the `else` path is taken. */
  timeout: string;
  then: string;
  else: string;
}
export interface BranchStep {
  id: string;
  type: 'branch';
  if: Condition;
  then: string;
  else: string;
}
export interface UpdateLeadStep {
  id: string;
  type: 'update_lead';
  set: Record<string, Scalar>;
  next: string;
}
export interface HandoffStep {
  id: string;
  type: 'handoff';
  priority?: HandoffPriority;
  next: string;
}
export interface ExitStep {
  id: string;
  type: 'exit';
  reason?: string;
}
export type ProgramStep = EmailStep | WaitStep | WaitUntilStep | BranchStep | UpdateLeadStep | HandoffStep | ExitStep;

/** A whole program definition with defaults filled in. The first step is the entry step. */
export interface ProgramDefinition {
  name: string;
  description?: string;
  trigger: Trigger;
  entryFilter?: Condition;
  goal: Goal;
  reenrollment: ReenrollmentPolicy;
  sendWindow: SendWindow;
  locales?: string[];
  steps: ProgramStep[];
}

// ---- defaults -----------------------------------------------------------------------------

/** Default goal: the lead became MQL or booked a meeting. */
export const DEFAULT_GOAL: Goal = { anyOf: [{ stageAtLeast: 'mql' }, { event: 'meeting_booked' }] };
export const DEFAULT_REENROLLMENT: ReenrollmentPolicy = { policy: 'never' };
/** Default send window: Monday to Friday, 09:00–17:00 local time. */
export const DEFAULT_SEND_WINDOW: SendWindow = { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' };

// ---- lead fields usable in conditions and update_lead -------------------------------------

/** Lead fields a condition may test directly (no sub-path). */
export const LEAD_SCALAR_FIELDS = [
  'stage',
  'engagementScore',
  'fitScore',
  'email',
  'firstName',
  'lastName',
  'company',
  'jobTitle',
  'phone',
  'locale',
  'timezone',
] as const;
/** Lead objects a condition tests by sub-path, e.g. `attributes.industry`, `source.channel`. */
export const LEAD_OBJECT_FIELDS = ['attributes', 'qualification', 'source'] as const;
/** Lead fields an `update_lead` step may set; `attributes.*` is settable too. */
export const LEAD_WRITABLE_FIELDS = [
  'firstName',
  'lastName',
  'company',
  'jobTitle',
  'phone',
  'locale',
  'timezone',
  'qualification.need',
  'qualification.timeline',
  'qualification.budget',
  'qualification.authority',
] as const;

/** Position of a stage in the forward order, or -1 for `recycled` / `disqualified`. */
export function stageRank(stage: string): number {
  return (FORWARD_STAGES as readonly string[]).indexOf(stage);
}

/** The step ids a step can continue to, in order (`next`, or `then` and `else`). */
export function successorsOf(step: ProgramStep): { field: 'next' | 'then' | 'else'; target: string }[] {
  switch (step.type) {
    case 'exit':
      return [];
    case 'branch':
    case 'wait_until':
      return [
        { field: 'then', target: step.then },
        { field: 'else', target: step.else },
      ];
    default:
      return [{ field: 'next', target: step.next }];
  }
}
