import { canAutoAdvance, STAGES } from '../../scoring/domain/lifecycle.js';
import { parseProgramDefinition } from './parse-program-definition.js';
import { LIFECYCLE_STAGES } from './program-definition.js';
import { validateTriggerReach } from './trigger-reach.js';

const steps = [
  { id: 'wait1', type: 'wait', duration: 'P3D', next: 'end' },
  { id: 'end', type: 'exit' },
];

function refused(trigger: unknown, entryFilter?: unknown) {
  const { definition, errors } = parseProgramDefinition({ name: 'P', trigger, ...(entryFilter !== undefined && { entryFilter }), steps });
  if (!definition) throw new Error(JSON.stringify(errors));
  return validateTriggerReach(definition);
}

const stage = (op: string, value: unknown) => ({ field: 'stage', op, value });

describe('a trigger that fires for nobody the program could take', () => {
  it('refuses stage_entered disqualified: disqualified leads are never nurtured', () => {
    expect(refused({ type: 'stage_entered', stage: 'disqualified' })).toEqual([
      { field: 'trigger', message: expect.stringMatching(/^can never enroll anyone: disqualified leads are never nurtured/) },
    ]);
  });

  it('refuses stage_entered subscriber: leads start there and never move back to it', () => {
    expect(refused({ type: 'stage_entered', stage: 'subscriber' })).toEqual([{ field: 'trigger', message: expect.stringContaining('no lead enters subscriber') }]);
  });

  it('is right that nothing moves a lead into subscriber: scoring never does (and sales only to their stages: sales-moves.spec)', () => {
    expect(STAGES.filter((from) => canAutoAdvance(from, 'subscriber'))).toEqual([]);
  });

  it('accepts every other stage a lead can enter', () => {
    const others = LIFECYCLE_STAGES.filter((s) => s !== 'disqualified' && s !== 'subscriber');
    expect(others).toEqual(['lead', 'mql', 'sql', 'opportunity', 'customer', 'recycled']);
    for (const s of others) expect([s, refused({ type: 'stage_entered', stage: s })]).toEqual([s, []]);
  });

  it('refuses a segment only disqualified leads match: alone, in an and, in every branch of an or, or as the only value of in', () => {
    for (const where of [
      stage('equals', 'disqualified'),
      stage('in', ['disqualified']),
      { and: [{ field: 'attributes.industry', op: 'equals', value: 'food' }, stage('equals', 'disqualified')] },
      { or: [stage('equals', 'disqualified'), { and: [stage('in', ['disqualified']), { field: 'fitScore', op: 'gte', value: 10 }] }] },
    ]) {
      expect(refused({ type: 'segment', where })).toEqual([{ field: 'trigger', message: expect.stringContaining('only matches disqualified leads') }]);
    }
  });

  it('accepts a segment another lead can match', () => {
    for (const where of [
      stage('notEquals', 'disqualified'),
      stage('in', ['disqualified', 'recycled']),
      stage('equals', 'subscriber'),
      { or: [stage('equals', 'disqualified'), stage('equals', 'lead')] },
      { not: stage('equals', 'disqualified') },
      { field: 'attributes.stage', op: 'equals', value: 'disqualified' },
    ]) {
      expect([where, refused({ type: 'segment', where })]).toEqual([where, []]);
    }
  });

  it('refuses an entry filter only disqualified leads pass, naming entryFilter', () => {
    expect(refused({ type: 'event', eventType: 'webinar_attended' }, stage('equals', 'disqualified'))).toEqual([
      { field: 'entryFilter', message: expect.stringContaining('only matches disqualified leads') },
    ]);
    expect(refused({ type: 'event', eventType: 'webinar_attended' }, stage('equals', 'lead'))).toEqual([]);
  });

  it('leaves the other triggers alone', () => {
    for (const trigger of [{ type: 'manual' }, { type: 'lead_created' }, { type: 'event', eventType: 'meeting_booked' }]) {
      expect(refused(trigger)).toEqual([]);
    }
  });
});
