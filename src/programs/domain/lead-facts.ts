/**
 * What the step interpreter may know about a lead at one instant. The scheduler fills it from the
 * database (one batch of queries per claim), the simulator from a sample lead and a list of events;
 * the interpreter cannot tell the difference.
 */

/** The lead fields conditions and goals read, named as in program definitions (`engagementScore`, `attributes.industry`). */
export interface LeadSnapshot {
  stage: string;
  engagementScore: number;
  fitScore: number;
  /** For a recycled lead, the engagement earned since it was recycled, decayed to now: what the MQL rule counts (none known: 0). */
  engagementSinceRecycled?: number;
  email?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  company?: string | null;
  jobTitle?: string | null;
  phone?: string | null;
  locale?: string | null;
  timezone?: string | null;
  attributes: Record<string, unknown>;
  qualification: Record<string, unknown>;
  source: Record<string, unknown>;
}

/** The lead's behaviour as conditions see it: human events only (machine opens and clicks count for nothing). */
export interface ConditionFacts {
  lead: LeadSnapshot;
  now: Date;
  /** When the lead last had a human event of this type (at or before now), or null. */
  lastEventAt(type: string): Date | null;
  /** Whether a human opened / clicked the email this enrollment's step sent. */
  interacted(kind: 'open' | 'click', stepId: string): boolean;
}

/** Everything one run of the interpreter needs besides the program and the enrollment. */
export interface StepWorld extends ConditionFacts {
  /** The lead's IANA time zone, already resolved (the default when the lead has none). */
  zone: string;
  /** Why the lead must not be mailed (unsubscribed, hard_bounce, consent_withdrawn…), or null. */
  suppression: string | null;
  /** When the lead's nurture emails (all programs) count under the frequency cap: recent sends, and as of now those still to go out (capSendTime). */
  recentSends: Date[];
}

/** Maps an email interaction event type to the interaction it reports. */
export function interactionOf(eventType: string): 'open' | 'click' | null {
  if (eventType === 'email_clicked') return 'click';
  if (eventType === 'email_opened') return 'open';
  return null;
}
