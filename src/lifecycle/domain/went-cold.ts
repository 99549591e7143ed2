import type { HandoffStatus } from '../../handoffs/domain/sales-moves.js';
import type { Stage } from '../../scoring/domain/lifecycle.js';

const DAY_MS = 86_400_000;

/** The stage change's reason (and actor) when an MQL sales never took up goes cold. */
export const WENT_COLD = { actor: 'system', reason: 'went_cold' } as const;

/** A behaviour event as the cold rule sees it. */
export interface EngagementFacts {
  occurredAt: Date;
  receivedAt: Date;
  /** Recorded by a privacy proxy, link scanner or bot. */
  machine: boolean;
  /** It occurred more than EVENT_LIVE_WINDOW_HOURS before it was received (an import, a CRM sync). */
  historical: boolean;
}

/**
 * When an event shows the lead engaging, or null when it does not: machine and historical events show nothing
 * (a scanner's click, last year's webinar imported today). A live human event engages at the moment it occurred,
 * but no later than it was received: a future-dated event cannot keep a lead warm beyond its arrival.
 */
export function engagedAt(e: EngagementFacts): Date | null {
  if (e.machine || e.historical) return null;
  return new Date(Math.min(e.occurredAt.getTime(), e.receivedAt.getTime()));
}

/** The lead's latest engagement among these events, or null. */
export function lastEngagement(events: EngagementFacts[]): Date | null {
  let last: number | null = null;
  for (const e of events) {
    const at = engagedAt(e)?.getTime();
    if (at !== undefined && (last === null || at > last)) last = at;
  }
  return last === null ? null : new Date(last);
}

export interface ColdCandidate {
  stage: Stage;
  /** When it (last) became an MQL. */
  mqlAt: Date | null;
  erased: boolean;
  /** The status of its open hand-off (pending, accepted, opportunity), or null when it has none. */
  openHandoff: HandoffStatus | null;
  /** Its latest engagement (see engagedAt); a caller may leave out engagement before `coldCutoff`. */
  lastEngagementAt: Date | null;
}

/** MQL_COLD_AFTER_DAYS as milliseconds (0: leads never go cold). */
export function coldAfterMs(days: number): number {
  return days * DAY_MS;
}

/** Leads whose last sign of life (becoming MQL, engaging) is at or before this went cold by `now`. */
export function coldCutoff(now: Date, coldAfterMs: number): Date {
  return new Date(now.getTime() - coldAfterMs);
}

/**
 * Whether an MQL went cold: sales never took it up (it is still `mql`, its hand-off — if it has one — still
 * pending, whether or not its SLA was missed, reassigned or escalated) and it showed no engagement for
 * `coldAfterMs`, counted from the later of becoming MQL and its last engagement. Exactly `coldAfterMs` of silence
 * is cold. A lead sales accepted (sql and beyond, or an accepted hand-off), a customer, a disqualified, recycled or
 * erased lead, and an MQL with no known MQL time are never cold; `coldAfterMs` 0 turns the rule off.
 * Such a lead moves mql → recycled (actor system, reason went_cold): the one automatic move backwards, as the
 * product has it ("sales rejected it or it went cold").
 */
export function wentCold(lead: ColdCandidate, now: Date, coldAfterMs: number): boolean {
  if (coldAfterMs <= 0 || lead.stage !== 'mql' || lead.erased || lead.mqlAt === null) return false;
  if (lead.openHandoff !== null && lead.openHandoff !== 'pending') return false;
  const lastSign = Math.max(lead.mqlAt.getTime(), lead.lastEngagementAt?.getTime() ?? -Infinity);
  return lastSign <= coldCutoff(now, coldAfterMs).getTime();
}
