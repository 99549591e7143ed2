import type { Stage } from '../../scoring/domain/lifecycle.js';

/**
 * The stages a lead upsert may give a lead it creates: subscriber or lead (a prospect), customer (an existing
 * customer imported from a CRM: never promoted to MQL by scoring, never handed to sales) and disqualified (a known
 * competitor or spam: never nurtured). Not mql, which scoring decides, nor sql and opportunity, which sales own
 * through hand-offs, nor recycled, which a rejected hand-off leads to.
 */
export const INITIAL_STAGES = ['subscriber', 'lead', 'customer', 'disqualified'] as const satisfies readonly Stage[];
export type InitialStage = (typeof INITIAL_STAGES)[number];

/** Initial stages that are recorded in the stage history (with the actor and reason) when a lead is created at one. */
const RECORDED: readonly InitialStage[] = ['customer', 'disqualified'];

export const INITIAL_STAGE_MESSAGE =
  `stage must be one of ${INITIAL_STAGES.join(', ')} when a lead is created (mql is decided by scoring; sql and opportunity by sales through hand-offs; ` +
  'recycled by a rejected hand-off). An existing lead is moved with PATCH /api/v1/leads/{id}';

/** What an upsert asking for `asked` (undefined: none) does to a lead's stage. */
export type UpsertStage =
  | { kind: 'create'; stage: InitialStage; recorded: boolean }
  | { kind: 'keep' }
  | { kind: 'move'; from: 'subscriber'; to: 'lead' }
  | { kind: 'refuse'; message: string };

/**
 * The stage a lead upsert gives: a new lead (`current` null) takes the one asked for (lead by default); an existing
 * lead's stage is not moved by an upsert, except a subscriber asked to be a lead (a later form fill). Asking an
 * existing lead to be customer or disqualified when it is not is refused (409 naming stage): PATCH
 * /api/v1/leads/{id} moves it, with a reason, under the rules of manual moves. subscriber or lead asked of a lead
 * further on are ignored (a form filled in again does not move it back).
 */
export function upsertStage(current: Stage | null, asked: InitialStage | undefined): UpsertStage {
  if (current === null) {
    const stage = asked ?? 'lead';
    return { kind: 'create', stage, recorded: RECORDED.includes(stage) };
  }
  if (asked === 'lead' && current === 'subscriber') return { kind: 'move', from: 'subscriber', to: 'lead' };
  if ((asked === 'customer' || asked === 'disqualified') && current !== asked) {
    return {
      kind: 'refuse',
      message: `the lead exists at stage ${current}: an upsert does not move an existing lead to ${asked}; set its stage with PATCH /api/v1/leads/{id} (with a reason)`,
    };
  }
  return { kind: 'keep' };
}
