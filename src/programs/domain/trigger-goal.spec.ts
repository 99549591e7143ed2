import fc from 'fast-check';
import { goalMetOnEntry } from './evaluate-condition.js';
import { parseProgramDefinition } from './parse-program-definition.js';
import { sampleLead, worldOf } from './lead-facts.fixture.js';
import { FORWARD_STAGES, LIFECYCLE_STAGES, type Goal, type GoalCriterion, type ProgramDefinition, type Trigger } from './program-definition.js';
import { validateTriggerAgainstGoal } from './trigger-goal.js';

const steps = [
  { id: 'wait1', type: 'wait', duration: 'P3D', next: 'end' },
  { id: 'end', type: 'exit' },
];

function program(trigger: unknown, goal?: unknown): ProgramDefinition {
  const { definition, errors } = parseProgramDefinition({ name: 'P', trigger, ...(goal !== undefined && { goal }), steps });
  if (!definition) throw new Error(JSON.stringify(errors));
  return definition;
}

const refused = (trigger: unknown, goal?: unknown) => validateTriggerAgainstGoal(program(trigger, goal));

describe('a trigger that can never enroll anyone, because every lead it fires for already meets the goal', () => {
  it('refuses stage_entered mql with the default goal (became MQL or booked a meeting), naming the trigger and the goal criterion', () => {
    const errors = refused({ type: 'stage_entered', stage: 'mql' });
    expect(errors).toEqual([{ field: 'trigger', message: expect.stringContaining('goal.anyOf[0] (stageAtLeast "mql")') }]);
    expect(errors[0].message).toContain('the default goal (became MQL or booked a meeting)');
    expect(errors[0].message).toContain('goal_already_met');
  });

  it('refuses a stage past the goal’s stage, and accepts one before it', () => {
    expect(refused({ type: 'stage_entered', stage: 'customer' }, { anyOf: [{ stageAtLeast: 'sql' }] })).toHaveLength(1);
    expect(refused({ type: 'stage_entered', stage: 'lead' }, { anyOf: [{ stageAtLeast: 'sql' }] })).toEqual([]);
    expect(refused({ type: 'stage_entered', stage: 'mql' }, { anyOf: [{ stageAtLeast: 'sql' }] })).toEqual([]);
  });

  it('accepts the side stages: recycled and disqualified are never "at least" a main-path stage', () => {
    expect(refused({ type: 'stage_entered', stage: 'recycled' })).toEqual([]);
    expect(refused({ type: 'stage_entered', stage: 'recycled' }, { anyOf: [{ stageAtLeast: 'subscriber' }] })).toEqual([]);
  });

  it('refuses an event trigger whose event is a goal event, including the default goal’s meeting_booked', () => {
    expect(refused({ type: 'event', eventType: 'meeting_booked' })).toEqual([
      { field: 'trigger', message: expect.stringContaining('goal.anyOf[1] (goal event "meeting_booked")') },
    ]);
    // A property filter on the trigger only narrows it: every event it fires for is still of the goal's type.
    expect(refused({ type: 'event', eventType: 'webinar_attended', where: { 'properties.topic': 'seo' } }, { anyOf: [{ event: 'webinar_attended' }] })).toHaveLength(1);
    expect(refused({ type: 'event', eventType: 'webinar_attended' }, { anyOf: [{ event: 'meeting_booked' }] })).toEqual([]);
  });

  it('refuses an event trigger whose event a past-event condition of the goal asks for without a period; within a period it depends', () => {
    expect(refused({ type: 'event', eventType: 'quote_requested' }, { anyOf: [{ event: { type: 'quote_requested' } }] })).toEqual([
      { field: 'trigger', message: expect.stringContaining('past event "quote_requested"') },
    ]);
    expect(refused({ type: 'event', eventType: 'quote_requested' }, { anyOf: [{ event: { type: 'quote_requested', within: 'P30D' } }] })).toEqual([]);
  });

  it('in an allOf goal refuses only when every criterion is met on entry', () => {
    expect(refused({ type: 'stage_entered', stage: 'sql' }, { allOf: [{ stageAtLeast: 'mql' }, { stageAtLeast: 'sql' }] })).toEqual([
      { field: 'trigger', message: expect.stringContaining('every criterion of goal.allOf') },
    ]);
    expect(refused({ type: 'stage_entered', stage: 'sql' }, { allOf: [{ stageAtLeast: 'mql' }, { event: 'meeting_booked' }] })).toEqual([]);
  });

  it('leaves alone what depends on the lead: fields, score, nested conditions, other triggers', () => {
    expect(refused({ type: 'stage_entered', stage: 'mql' }, { anyOf: [{ field: 'stage', op: 'equals', value: 'mql' }] })).toEqual([]);
    expect(refused({ type: 'event', eventType: 'quote_requested' }, { anyOf: [{ or: [{ event: { type: 'quote_requested' } }] }] })).toEqual([]);
    // A quote request may promote the lead to MQL at once, but only as the scoring model (configurable) says.
    expect(refused({ type: 'event', eventType: 'quote_requested' })).toEqual([]);
    for (const trigger of [{ type: 'manual' }, { type: 'lead_created' }, { type: 'segment', where: { field: 'stage', op: 'equals', value: 'mql' } }]) {
      expect(refused(trigger)).toEqual([]);
    }
  });

  describe('agrees with the entry check a trigger makes (goalMetOnEntry)', () => {
    const now = new Date('2026-03-02T09:00:00Z');
    const eventArb = fc.constantFrom('webinar_attended', 'meeting_booked', 'quote_requested');
    const criterionArb: fc.Arbitrary<GoalCriterion> = fc.oneof(
      fc.constantFrom(...FORWARD_STAGES).map((s) => ({ stageAtLeast: s })),
      eventArb.map((e) => ({ event: e })),
      fc.tuple(eventArb, fc.constantFrom(undefined, 'P7D')).map(([type, within]) => ({ event: { type, ...(within && { within }) } })),
    );
    const goalOf = (criteria: fc.Arbitrary<GoalCriterion[]>): fc.Arbitrary<Goal> =>
      fc.tuple(fc.boolean(), criteria).map(([any, c]) => (any ? { anyOf: c } : { allOf: c }));
    const triggerArb: fc.Arbitrary<Trigger> = fc.oneof(
      fc.constantFrom(...LIFECYCLE_STAGES).map((stage) => ({ type: 'stage_entered' as const, stage })),
      eventArb.map((eventType) => ({ type: 'event' as const, eventType })),
    );
    /** Whatever else may be true of the lead: its stage (when the trigger does not say it) and earlier events. */
    const restArb = fc.record({
      stage: fc.constantFrom(...LIFECYCLE_STAGES),
      events: fc.array(fc.record({ type: eventArb, daysAgo: fc.integer({ min: 1, max: 60 }) }), { maxLength: 3 }),
    });
    const withTrigger = (trigger: Trigger, goal: Goal): ProgramDefinition => ({ ...program({ type: 'manual' }), trigger, goal });

    /** A lead the trigger just fired for: it entered the trigger's stage, or had the trigger's event just now. */
    function firedFor(trigger: Trigger, rest: { stage: string; events: { type: string; daysAgo: number }[] }) {
      const events = rest.events.map((e) => ({ type: e.type, at: new Date(now.getTime() - e.daysAgo * 86_400_000) }));
      if (trigger.type === 'stage_entered') return worldOf({ now, lead: sampleLead({ stage: trigger.stage }), events });
      if (trigger.type === 'event') return worldOf({ now, lead: sampleLead({ stage: rest.stage }), events: [...events, { type: trigger.eventType, at: now }] });
      throw new Error('not generated');
    }

    it('a refused program would skip every lead its trigger fires for, whatever else is true of the lead', () => {
      fc.assert(
        fc.property(triggerArb, goalOf(fc.array(criterionArb, { minLength: 1, maxLength: 3 })), restArb, (trigger, goal, rest) => {
          if (validateTriggerAgainstGoal(withTrigger(trigger, goal)).length) expect(goalMetOnEntry(goal, firedFor(trigger, rest))).toBe(true);
        }),
      );
    });

    it('a stage_entered program whose goal is only stages is refused exactly when a lead entering that stage meets it', () => {
      const stagesOnly = goalOf(fc.array(fc.constantFrom(...FORWARD_STAGES).map((s): GoalCriterion => ({ stageAtLeast: s })), { minLength: 1, maxLength: 3 }));
      fc.assert(
        fc.property(fc.constantFrom(...LIFECYCLE_STAGES), stagesOnly, (stage, goal) => {
          const trigger: Trigger = { type: 'stage_entered', stage };
          const skipped = goalMetOnEntry(goal, firedFor(trigger, { stage, events: [] }));
          expect(validateTriggerAgainstGoal(withTrigger(trigger, goal)).length > 0).toBe(skipped);
        }),
      );
    });
  });
});
