/**
 * Lifecycle stages. The main path runs subscriber → lead → mql → sql → opportunity → customer;
 * recycled (back to long-term nurture) and disqualified (never nurtured again) sit beside it.
 */
export const STAGES = ['subscriber', 'lead', 'mql', 'sql', 'opportunity', 'customer', 'recycled', 'disqualified'] as const;
export type Stage = (typeof STAGES)[number];

const MAIN_PATH: readonly Stage[] = ['subscriber', 'lead', 'mql', 'sql', 'opportunity', 'customer'];
const SIDE_STAGES: readonly Stage[] = ['recycled', 'disqualified'];

/**
 * Automatic moves: forward up to mql, and a recycled lead warming up again. Sales own sql and beyond. A subscriber
 * only gave permission to keep in touch (PRODUCT: "Nurture only, never a sales lead"): it first becomes a lead (by
 * showing interest, or a form with its contact details), and only then does the MQL rule apply to it. The one
 * exception, a high-intent event, is {@link promotesOnHighIntent}.
 */
const AUTO_MOVES: Readonly<Record<Stage, readonly Stage[]>> = {
  subscriber: ['lead'],
  lead: ['mql'],
  mql: [],
  sql: [],
  opportunity: [],
  customer: [],
  recycled: ['lead', 'mql'],
  disqualified: [],
};

/** Position in {@link STAGES}: the main path in order, then recycled and disqualified. */
export function stageRank(stage: Stage): number {
  return STAGES.indexOf(stage);
}

/** Whether scoring may move a lead from `from` to `to` without a person deciding. */
export function canAutoAdvance(from: Stage, to: Stage): boolean {
  return AUTO_MOVES[from].includes(to);
}

/**
 * Whether a high-intent event (a quote request, a booked meeting, a contact request) promotes a lead at `from` to
 * mql at once: wherever scoring may make it an MQL, and from subscriber too. Such an event is a sales signal, not
 * newsletter-level interest: the person asked sales for something, and PRODUCT says "A high-intent event promotes at
 * once" and hands it to sales within 15 minutes. Holding it back as a subscriber (or making it a lead to wait for the
 * MQL rule's score and answers) would leave that request unanswered.
 */
export function promotesOnHighIntent(from: Stage): boolean {
  return from === 'subscriber' || canAutoAdvance(from, 'mql');
}

/**
 * Whether `stage` has reached `target` on the main path (`isAtLeast('sql', 'mql')` is true).
 * Recycled and disqualified are off the path: each is "at least" only itself, and no
 * main-path stage is at least either of them.
 */
export function isAtLeast(stage: Stage, target: Stage): boolean {
  if (SIDE_STAGES.includes(stage) || SIDE_STAGES.includes(target)) return stage === target;
  return MAIN_PATH.indexOf(stage) >= MAIN_PATH.indexOf(target);
}

/** Whether a value is one of the {@link STAGES}. */
export function isStage(value: unknown): value is Stage {
  return typeof value === 'string' && (STAGES as readonly string[]).includes(value);
}
