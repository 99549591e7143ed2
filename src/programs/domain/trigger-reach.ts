import type { FieldError } from '../../common/domain-error.js';
import type { Condition, ProgramDefinition } from './program-definition.js';

/**
 * Refuses a program whose trigger (or entry filter) fires for nobody the program could take, whatever the goal
 * (that case is validateTriggerAgainstGoal's):
 * - `stage_entered` `disqualified`: a disqualified lead is never nurtured, so it is never enrolled;
 * - `stage_entered` `subscriber`: no lead ever enters that stage: leads start in it (being created is not entering
 *   a stage), and no move, automatic or by sales, leads back to it;
 * - a `segment` trigger, or an entry filter, that only a disqualified lead can match (`stage` equals `disqualified`,
 *   alone or in an `and`, or in every branch of an `or`).
 * The error names `trigger` (or `entryFilter`) and says what to do instead.
 */
export function validateTriggerReach(def: ProgramDefinition): FieldError[] {
  const errors: FieldError[] = [];
  const trigger = def.trigger;
  if (trigger.type === 'stage_entered' && trigger.stage === 'disqualified') {
    errors.push({ field: 'trigger', message: `${NOBODY}: disqualified leads are never nurtured, so no lead entering disqualified is enrolled` });
  }
  if (trigger.type === 'stage_entered' && trigger.stage === 'subscriber') {
    errors.push({
      field: 'trigger',
      message: `${NOBODY}: no lead enters subscriber (leads start there, and no move leads back to it); use a lead_created trigger, or a segment on stage subscriber`,
    });
  }
  if (trigger.type === 'segment' && onlyDisqualified(trigger.where)) {
    errors.push({ field: 'trigger', message: `${NOBODY}: its segment only matches disqualified leads, who are never nurtured` });
  }
  if (def.entryFilter && onlyDisqualified(def.entryFilter)) {
    errors.push({ field: 'entryFilter', message: `lets nobody in: it only matches disqualified leads, who are never nurtured` });
  }
  return errors;
}

const NOBODY = 'can never enroll anyone';

/** Whether only a lead at stage disqualified can meet the condition, as far as its shape alone tells. */
function onlyDisqualified(c: Condition): boolean {
  if ('and' in c) return c.and.some(onlyDisqualified);
  if ('or' in c) return c.or.every(onlyDisqualified);
  if (!('field' in c) || c.field !== 'stage') return false;
  if (c.op === 'equals') return c.value === 'disqualified';
  if (c.op === 'in') return Array.isArray(c.value) && c.value.every((v) => v === 'disqualified');
  return false;
}
