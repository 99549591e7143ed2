import type { FieldError } from '../../common/domain-error.js';
import { DEFAULT_GOAL, FORWARD_STAGES, stageRank, type GoalCriterion, type ProgramDefinition, type Trigger } from './program-definition.js';

/**
 * Refuses a program whose trigger can never enroll anyone: a lead that already meets the goal when it would
 * enter is not enrolled but skipped (goal_already_met, see goalMetOnEntry), so when every lead the trigger fires
 * for meets the goal at that moment, the program silently enrolls nobody. Only what the definition alone makes
 * certain is refused, with the error on `trigger`:
 * - a `stage_entered` trigger for a stage on the main path at or past a `stageAtLeast` of the goal (the lead has
 *   just entered that stage);
 * - an `event` trigger whose event type is a goal event (`{event: type}`): the event that fires the trigger is
 *   a goal event at the very moment of entry (when it is recorded as it happens, as events are by default);
 * - an `event` trigger whose event type a past-event condition of the goal asks for without `within`: the
 *   event that fires the trigger is such a past event.
 * In an `anyOf` goal one such criterion is enough; in an `allOf` every criterion must be one. Anything that
 * depends on the lead (fields, score, other events, a stage reached by scoring) is left alone.
 */
export function validateTriggerAgainstGoal(def: ProgramDefinition): FieldError[] {
  const criteria = 'anyOf' in def.goal ? def.goal.anyOf : def.goal.allOf;
  const met = criteria.map((c, i) => ({ c, i })).filter(({ c }) => metOnEveryEntry(def.trigger, c));
  if (!met.length || ('allOf' in def.goal && met.length < criteria.length)) return [];
  const which = 'anyOf' in def.goal ? `goal.anyOf[${met[0].i}] (${describe(met[0].c)})` : 'every criterion of goal.allOf';
  const goal = JSON.stringify(def.goal) === JSON.stringify(DEFAULT_GOAL) ? 'the default goal (became MQL or booked a meeting)' : 'the goal';
  return [
    {
      field: 'trigger',
      message:
        `can never enroll anyone: every lead it fires for already meets ${goal} through ${which}, and a lead that already meets ` +
        'the goal is skipped (goal_already_met); trigger on something that comes before the goal, or change the goal',
    },
  ];
}

/** Whether a goal criterion holds for every lead the trigger fires for, at the moment it would enter. */
function metOnEveryEntry(trigger: Trigger, c: GoalCriterion): boolean {
  if (trigger.type === 'stage_entered' && 'stageAtLeast' in c) {
    return (FORWARD_STAGES as readonly string[]).includes(trigger.stage) && stageRank(trigger.stage) >= stageRank(c.stageAtLeast);
  }
  if (trigger.type === 'event' && 'event' in c) {
    if (typeof c.event === 'string') return c.event === trigger.eventType;
    return c.event.type === trigger.eventType && c.event.within === undefined;
  }
  return false;
}

function describe(c: GoalCriterion): string {
  if ('stageAtLeast' in c) return `stageAtLeast "${c.stageAtLeast}"`;
  if ('event' in c) return typeof c.event === 'string' ? `goal event "${c.event}"` : `past event "${c.event.type}"`;
  return 'a condition';
}
