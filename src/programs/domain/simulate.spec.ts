import fc from 'fast-check';
import { DEFAULT_FREQUENCY_CAP } from './frequency-cap.js';
import { sampleLead } from './lead-facts.fixture.js';
import { parseProgramDefinition } from './parse-program-definition.js';
import type { ProgramDefinition } from './program-definition.js';
import { isInsideWindow } from './send-window.js';
import { simulateProgram, type SimulatedEvent } from './simulate.js';

function program(steps: unknown[], extra: Record<string, unknown> = {}): ProgramDefinition {
  const { definition, errors } = parseProgramDefinition({ name: 'p', trigger: { type: 'manual' }, steps, ...extra });
  expect(errors).toEqual([]);
  return definition!;
}

const sequence = program([
  { id: 'welcome', type: 'email', templateId: 't1', next: 'wait1' },
  { id: 'wait1', type: 'wait', duration: 'P2D', next: 'second' },
  { id: 'second', type: 'email', templateId: 't2', next: 'wait2' },
  { id: 'wait2', type: 'wait', duration: 'P5D', next: 'third' },
  { id: 'third', type: 'email', templateId: 't3', next: 'end' },
  { id: 'end', type: 'exit' },
]);
const BRUSSELS = 'Europe/Brussels';
const simulate = (def: ProgramDefinition, from: string, events: SimulatedEvent[] = [], lead = sampleLead()) =>
  simulateProgram({ definition: def, lead, events, from: new Date(from), zone: BRUSSELS, cap: DEFAULT_FREQUENCY_CAP });
const emails = (r: ReturnType<typeof simulate>) => r.timeline.filter((e) => e.action === 'email').map((e) => `${e.stepId}@${e.at}`);

describe('simulateProgram', () => {
  it('dates every email, moving those that fall on a weekend to Monday 09:00', () => {
    const r = simulate(sequence, '2026-03-05T10:00:00Z'); // Thursday 11:00 in Brussels
    expect(emails(r)).toEqual([
      'welcome@2026-03-05T10:00:00.000Z',
      'second@2026-03-09T08:00:00.000Z', // due Saturday, held until Monday 09:00
      'third@2026-03-16T08:00:00.000Z', // due Saturday 14th at 09:00, sent Monday 16th
    ]);
    expect(r.outcome).toMatchObject({ status: 'completed' });
    expect(r.timeline.filter((e) => e.action === 'deferred').map((e) => e.detail.reason)).toEqual(['send_window', 'send_window']);
  });

  it('stops at the goal the moment a goal event happens', () => {
    const r = simulate(sequence, '2026-03-03T10:00:00Z', [{ type: 'meeting_booked', at: new Date('2026-03-04T12:00:00Z'), properties: {} }]);
    expect(emails(r)).toEqual(['welcome@2026-03-03T10:00:00.000Z']);
    expect(r.outcome).toEqual({ status: 'converted', exitReason: 'goal', at: '2026-03-04T12:00:00.000Z' });
  });

  it('does not enroll a lead that already meets the goal: it would convert before the first email', () => {
    const r = simulate(sequence, '2026-03-03T10:00:00Z', [], sampleLead({ stage: 'mql' }));
    expect(r.outcome).toEqual({ status: 'skipped', exitReason: 'goal_already_met', at: '2026-03-03T10:00:00.000Z' });
    expect(r.timeline.map((e) => e.action)).toEqual(['skipped']);
    expect(r.emails).toBe(0);
  });

  it('does not enroll a lead who unsubscribed before it would enter: it would exit before the first email', () => {
    const r = simulate(sequence, '2026-03-03T10:00:00Z', [{ type: 'unsubscribed', at: new Date('2026-03-01T10:00:00Z'), properties: {} }]);
    expect(r.outcome).toEqual({ status: 'skipped', exitReason: 'unsubscribed', at: '2026-03-03T10:00:00.000Z' });
    expect(r.timeline.map((e) => e.action)).toEqual(['skipped']);
  });

  it('follows a lead through a wait_until: the click arrives, the then-path runs at once', () => {
    const def = program([
      { id: 'welcome', type: 'email', templateId: 't1', next: 'await' },
      { id: 'await', type: 'wait_until', event: { type: 'email_clicked', step: 'welcome' }, timeout: 'P7D', then: 'case', else: 'end' },
      { id: 'case', type: 'email', templateId: 't2', next: 'end' },
      { id: 'end', type: 'exit' },
    ]);
    const click = { type: 'email_clicked', at: new Date('2026-03-04T13:00:00Z'), properties: { stepId: 'welcome' } };
    expect(emails(simulate(def, '2026-03-03T10:00:00Z', [click]))).toEqual(['welcome@2026-03-03T10:00:00.000Z', 'case@2026-03-04T13:00:00.000Z']);
    expect(emails(simulate(def, '2026-03-03T10:00:00Z'))).toEqual(['welcome@2026-03-03T10:00:00.000Z']);
  });

  it('takes the else path for an awaited event that happens at the timeout or later, as real runs do', () => {
    const def = program([
      { id: 'await', type: 'wait_until', event: { type: 'webinar_attended' }, timeout: 'P1D', then: 'yes', else: 'no' },
      { id: 'yes', type: 'exit', reason: 'yes' },
      { id: 'no', type: 'exit', reason: 'no' },
    ]);
    const at = (iso: string) => [{ type: 'webinar_attended', at: new Date(iso), properties: {} }];
    expect(simulate(def, '2026-03-03T10:00:00Z', at('2026-03-04T09:59:59Z')).outcome.exitReason).toBe('yes');
    expect(simulate(def, '2026-03-03T10:00:00Z', at('2026-03-04T10:00:00Z')).outcome.exitReason).toBe('no');
  });

  it('remembers what an update_lead step changed after a wait, as the stored lead does in real runs', () => {
    const def = program([
      { id: 'tag', type: 'update_lead', set: { 'attributes.tier': 'gold' }, next: 'pause' },
      { id: 'pause', type: 'wait', duration: 'P1D', next: 'tier' },
      { id: 'tier', type: 'branch', if: { field: 'attributes.tier', op: 'equals', value: 'gold' }, then: 'gold', else: 'plain' },
      { id: 'gold', type: 'exit', reason: 'gold' },
      { id: 'plain', type: 'exit', reason: 'plain' },
    ]);
    const r = simulate(def, '2026-03-03T10:00:00Z');
    expect(r.timeline.filter((e) => e.stepId === 'tier').map((e) => e.detail.outcome)).toEqual(['then']);
    expect(r.outcome).toMatchObject({ status: 'completed', exitReason: 'gold' });
  });

  it('ends for a lead who unsubscribes, and counts a stage change towards the goal', () => {
    const gone = simulate(sequence, '2026-03-03T10:00:00Z', [{ type: 'unsubscribed', at: new Date('2026-03-04T10:00:00Z'), properties: {} }]);
    expect(gone.outcome).toMatchObject({ status: 'exited', exitReason: 'unsubscribed' });
    expect(gone.emails).toBe(1);
    const sales = simulate(sequence, '2026-03-03T10:00:00Z', [{ type: 'stage_changed', at: new Date('2026-03-06T10:00:00Z'), properties: { to: 'sql' } }]);
    expect(sales.outcome).toMatchObject({ status: 'converted', at: '2026-03-06T10:00:00.000Z' });
  });

  it('only ever sends inside the window and within the cap, for any start time', () => {
    const busy = program([
      { id: 'a', type: 'email', templateId: 't', next: 'pause' },
      { id: 'pause', type: 'wait', duration: 'PT6H', next: 'b' },
      { id: 'b', type: 'email', templateId: 't', next: 'pause2' },
      { id: 'pause2', type: 'wait', duration: 'PT6H', next: 'c' },
      { id: 'c', type: 'email', templateId: 't', next: 'pause3' },
      { id: 'pause3', type: 'wait', duration: 'PT6H', next: 'd' },
      { id: 'd', type: 'email', templateId: 't', next: 'end' },
      { id: 'end', type: 'exit' },
    ]);
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2026, 11, 31) }), (start) => {
        const r = simulateProgram({ definition: busy, lead: sampleLead(), events: [], from: new Date(start), zone: BRUSSELS, cap: DEFAULT_FREQUENCY_CAP });
        const sent = r.timeline.filter((e) => e.action === 'email').map((e) => new Date(e.at));
        expect(sent).toHaveLength(4);
        for (const at of sent) expect(isInsideWindow(at, busy.sendWindow, BRUSSELS)).toBe(true);
        // Four emails, at most three in any seven days: the fourth waits a week after the first.
        expect(sent[3].getTime() - sent[0].getTime()).toBeGreaterThanOrEqual(DEFAULT_FREQUENCY_CAP.windowMs);
      }),
      { numRuns: 100 },
    );
  });
});
