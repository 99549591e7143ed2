import fc from 'fast-check';
import { DEFAULT_FREQUENCY_CAP } from './frequency-cap.js';
import { sampleLead, worldOf, type WorldParts } from './lead-facts.fixture.js';
import { parseProgramDefinition } from './parse-program-definition.js';
import type { ProgramDefinition } from './program-definition.js';
import { eventSatisfiesWait, LAWFUL_BASIS_FIRST_RECHECK_MS, LAWFUL_BASIS_GRACE_MS, lawfulBasisRecheck, runEnrollment, startCursor, type EnrollmentCursor, type RunResult } from './step-interpreter.js';

const settings = { cap: DEFAULT_FREQUENCY_CAP };
const ENROLLMENT = '5b0b5d0e-8d6f-4f7c-9a51-0c2f3f1d9e11';

function program(steps: unknown[], extra: Record<string, unknown> = {}): ProgramDefinition {
  const { definition, errors } = parseProgramDefinition({ name: 'p', trigger: { type: 'manual' }, steps, ...extra });
  expect(errors).toEqual([]);
  return definition!;
}

/** The API.md example: welcome, wait 3 days, case study if the welcome was clicked, else a reminder. */
const guide = program([
  { id: 'welcome', type: 'email', templateId: 'tpl-welcome', next: 'wait1' },
  { id: 'wait1', type: 'wait', duration: 'P3D', next: 'clicked' },
  { id: 'clicked', type: 'branch', if: { clicked: { step: 'welcome' } }, then: 'case', else: 'reminder' },
  { id: 'reminder', type: 'email', templateId: 'tpl-reminder', next: 'end' },
  { id: 'case', type: 'email', templateId: 'tpl-case', next: 'end' },
  { id: 'end', type: 'exit' },
]);

const tuesday10 = new Date('2026-03-10T09:00:00Z'); // 10:00 in Brussels
const run = (def: ProgramDefinition, cursor: EnrollmentCursor, parts: WorldParts): RunResult => runEnrollment(def, cursor, worldOf(parts), parts.now, settings);
const kinds = (r: RunResult) => r.effects.map((e) => (e.kind === 'step_run' ? `${e.stepId}:${e.outcome}` : `${e.kind}:${e.stepId}`));

describe('runEnrollment', () => {
  it('sends the welcome email at once inside the window, then waits three days', () => {
    const r = run(guide, startCursor(guide, ENROLLMENT, tuesday10), { now: tuesday10 });
    expect(kinds(r)).toEqual(['welcome:sent', 'email:welcome', 'wait1:waiting']);
    expect(r.status).toBe('active');
    expect(r.nextRunAt?.toISOString()).toBe('2026-03-13T09:00:00.000Z');
    expect(r.cursor).toMatchObject({ stepId: 'wait1', visits: { welcome: 1, wait1: 1 }, waitingFor: { kind: 'wait' } });
  });

  it('gives a lead who clicked the welcome email the case study, not the reminder', () => {
    const first = run(guide, startCursor(guide, ENROLLMENT, tuesday10), { now: tuesday10 });
    const later = new Date('2026-03-13T09:00:00Z');
    const clicked = run(guide, first.cursor, { now: later, clicks: ['welcome'] });
    expect(kinds(clicked)).toEqual(['resolve_wait:wait1', 'clicked:then', 'case:sent', 'email:case', 'end:completed']);
    expect(clicked.status).toBe('completed');
    const silent = run(guide, first.cursor, { now: later });
    expect(kinds(silent)).toContain('email:reminder');
    expect(kinds(silent)).not.toContain('email:case');
  });

  it('holds an email due Friday 17:30 in Brussels until Monday 09:00, sending nothing', () => {
    const friday1730 = new Date('2026-03-13T16:30:00Z');
    const r = run(guide, startCursor(guide, ENROLLMENT, friday1730), { now: friday1730 });
    expect(r.effects).toEqual([]);
    expect(r.deferral).toMatchObject({ stepId: 'welcome', reason: 'send_window' });
    expect(r.nextRunAt?.toISOString()).toBe('2026-03-16T08:00:00.000Z');
    expect(r.cursor.stepId).toBe('welcome');
  });

  it('defers a fourth email in seven days until the cap frees up', () => {
    const recentSends = ['2026-03-05T10:00:00Z', '2026-03-06T10:00:00Z', '2026-03-09T10:00:00Z'].map((s) => new Date(s));
    const r = run(guide, startCursor(guide, ENROLLMENT, tuesday10), { now: tuesday10, recentSends });
    expect(r.effects).toEqual([]);
    expect(r.deferral?.reason).toBe('frequency_cap');
    expect(r.nextRunAt?.toISOString()).toBe('2026-03-12T10:00:00.000Z');
  });

  it('ends as converted before any step once the goal is reached', () => {
    const r = run(guide, startCursor(guide, ENROLLMENT, tuesday10), { now: tuesday10, lead: sampleLead({ stage: 'mql' }) });
    expect(r).toMatchObject({ status: 'converted', exitReason: 'goal', nextRunAt: null, effects: [] });
  });

  it('exits a suppressed lead with the suppression reason and sends nothing', () => {
    const r = run(guide, startCursor(guide, ENROLLMENT, tuesday10), { now: tuesday10, suppression: 'unsubscribed' });
    expect(r).toMatchObject({ status: 'exited', exitReason: 'unsubscribed', effects: [] });
  });

  describe('a lead without a lawful basis (yet)', () => {
    const at = (ms: number) => new Date(tuesday10.getTime() + ms);
    const cursor = () => startCursor(guide, ENROLLMENT, tuesday10);

    it('waits for its consent: looks again after a minute, then at the end of the grace, sending nothing meanwhile', () => {
      const first = run(guide, cursor(), { now: tuesday10, suppression: 'no_lawful_basis' });
      expect(first).toMatchObject({ status: 'active', nextRunAt: at(LAWFUL_BASIS_FIRST_RECHECK_MS), effects: [] });
      expect(first.deferral).toEqual({ stepId: 'welcome', until: at(LAWFUL_BASIS_FIRST_RECHECK_MS), reason: 'lawful_basis' });
      const second = run(guide, cursor(), { now: at(LAWFUL_BASIS_FIRST_RECHECK_MS), suppression: 'no_lawful_basis' });
      expect(second).toMatchObject({ status: 'active', nextRunAt: at(LAWFUL_BASIS_GRACE_MS), effects: [] });
    });

    it('goes on as soon as the consent is there, and exits with no_lawful_basis once the grace is over', () => {
      expect(kinds(run(guide, cursor(), { now: at(LAWFUL_BASIS_FIRST_RECHECK_MS), suppression: null }))).toContain('email:welcome');
      expect(run(guide, cursor(), { now: at(LAWFUL_BASIS_GRACE_MS), suppression: 'no_lawful_basis' })).toMatchObject({
        status: 'exited',
        exitReason: 'no_lawful_basis',
        effects: [],
      });
    });

    it('never looks again later than the end of the grace, nor earlier than now (property)', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 2 * LAWFUL_BASIS_GRACE_MS }), (elapsed) => {
          const next = lawfulBasisRecheck(tuesday10, at(elapsed));
          if (elapsed >= LAWFUL_BASIS_GRACE_MS) return next === null;
          return next !== null && next.getTime() > at(elapsed).getTime() && next.getTime() <= at(LAWFUL_BASIS_GRACE_MS).getTime();
        }),
      );
    });
  });

  describe('wait_until', () => {
    const def = program([
      { id: 'welcome', type: 'email', templateId: 't', next: 'await' },
      { id: 'await', type: 'wait_until', event: { type: 'email_clicked', step: 'welcome' }, timeout: 'P5D', then: 'yes', else: 'no' },
      { id: 'yes', type: 'exit', reason: 'clicked' },
      { id: 'no', type: 'exit', reason: 'silent' },
    ]);
    const waiting = () => run(def, startCursor(def, ENROLLMENT, tuesday10), { now: tuesday10 });

    it('waits for the event with a timeout', () => {
      const r = waiting();
      expect(r.cursor.waitingFor).toMatchObject({ kind: 'event', type: 'email_clicked', step: 'welcome' });
      expect(r.nextRunAt?.toISOString()).toBe('2026-03-15T09:00:00.000Z');
    });

    it('takes the then path when the event arrived, the else path on timeout', () => {
      const r = waiting();
      const arrived = { ...r.cursor, waitingFor: { ...(r.cursor.waitingFor as object), matchedAt: '2026-03-11T10:00:00Z' } } as EnrollmentCursor;
      expect(run(def, arrived, { now: new Date('2026-03-11T10:00:00Z') })).toMatchObject({ status: 'completed', exitReason: 'clicked' });
      expect(run(def, r.cursor, { now: new Date('2026-03-15T09:00:00Z') })).toMatchObject({ status: 'completed', exitReason: 'silent' });
      expect(run(def, r.cursor, { now: new Date('2026-03-14T09:00:00Z') }).status).toBe('active');
    });

    it('does not wait for a click that already happened', () => {
      const sent = run(def, startCursor(def, ENROLLMENT, tuesday10), { now: tuesday10 });
      // Re-entering the wait_until step after the click was recorded:
      const before = { ...sent.cursor, waitingFor: null };
      expect(run(def, before, { now: tuesday10, clicks: ['welcome'] })).toMatchObject({ status: 'completed', exitReason: 'clicked' });
    });

    it('ends an enrollment of a program published before its loop was refused, instead of running it again at once', () => {
      // The graph check now refuses this loop (a wait_until on a clicked email passes at once); a program
      // already published with it must not spin: every run would pass the loop and ask to run again now.
      const looping: ProgramDefinition = {
        ...program([{ id: 'mail', type: 'email', templateId: 't', next: 'end' }, { id: 'end', type: 'exit' }]),
        steps: [
          { id: 'mail', type: 'email', templateId: 't', next: 'await' },
          { id: 'await', type: 'wait_until', event: { type: 'email_clicked', step: 'mail' }, timeout: 'P7D', then: 'hot', else: 'end' },
          { id: 'hot', type: 'branch', if: { field: 'engagementScore', op: 'gte', value: 50 }, then: 'end', else: 'await' },
          { id: 'end', type: 'exit' },
        ],
      } as ProgramDefinition;
      const cursor: EnrollmentCursor = { id: ENROLLMENT, stepId: 'hot', visits: { mail: 1, await: 1, hot: 1 }, waitingFor: null, variants: {}, enrolledAt: tuesday10 };
      const r = run(looping, cursor, { now: tuesday10, clicks: ['mail'] });
      expect(r).toMatchObject({ status: 'exited', exitReason: 'loop_without_wait', nextRunAt: null });
    });

    it('matches only this enrollment’s email and only human events', () => {
      const w = waiting().cursor.waitingFor as Extract<EnrollmentCursor['waitingFor'], { kind: 'event' }>;
      const click = { type: 'email_clicked', properties: { stepId: 'welcome', enrollmentId: ENROLLMENT } };
      expect(eventSatisfiesWait(w, ENROLLMENT, click)).toBe(true);
      expect(eventSatisfiesWait(w, ENROLLMENT, { ...click, machine: true })).toBe(false);
      expect(eventSatisfiesWait(w, ENROLLMENT, { ...click, properties: { stepId: 'welcome', enrollmentId: 'other' } })).toBe(false);
      expect(eventSatisfiesWait(w, ENROLLMENT, { ...click, properties: { stepId: 'reminder' } })).toBe(false);
    });
  });

  it('counts business days: two business days after Friday is Tuesday', () => {
    const def = program([
      { id: 'pause', type: 'wait', duration: 'P2D', businessDays: true, next: 'end' },
      { id: 'end', type: 'exit' },
    ]);
    const friday = new Date('2026-03-13T10:00:00Z');
    expect(run(def, startCursor(def, ENROLLMENT, friday), { now: friday }).nextRunAt?.toISOString()).toBe('2026-03-17T10:00:00.000Z');
  });

  it('lets a later branch see what update_lead set, and reports the update', () => {
    const def = program([
      { id: 'tag', type: 'update_lead', set: { 'attributes.segment': 'warm' }, next: 'check' },
      { id: 'check', type: 'branch', if: { field: 'attributes.segment', op: 'equals', value: 'warm' }, then: 'hand', else: 'end' },
      { id: 'hand', type: 'handoff', priority: 'high', next: 'end' },
      { id: 'end', type: 'exit' },
    ]);
    const r = run(def, startCursor(def, ENROLLMENT, tuesday10), { now: tuesday10 });
    expect(kinds(r)).toEqual(['tag:updated', 'update_lead:tag', 'check:then', 'hand:requested', 'handoff:hand', 'end:completed']);
  });

  it('keeps the A/B variant chosen for an enrollment', () => {
    const def = program([
      { id: 'mail', type: 'email', templateId: 't', variants: [{ weight: 1, subject: 'A!' }, { weight: 1, templateId: 't2' }], next: 'end' },
      { id: 'end', type: 'exit' },
    ]);
    const r = run(def, startCursor(def, ENROLLMENT, tuesday10), { now: tuesday10 });
    const email = r.effects.find((e) => e.kind === 'email');
    expect(email).toMatchObject({ variant: r.cursor.variants.mail });
    expect(['A', 'B']).toContain(r.cursor.variants.mail);
  });

  it('never runs the same step visit twice, whenever and however often it is looked at', () => {
    // A loop with a wait: each pass is a new visit; re-running a cursor that is not due does nothing.
    const loop = program([
      { id: 'mail', type: 'email', templateId: 't', next: 'pause' },
      { id: 'pause', type: 'wait', duration: 'P2D', next: 'again' },
      { id: 'again', type: 'branch', if: { field: 'engagementScore', op: 'gte', value: 50 }, then: 'end', else: 'mail' },
      { id: 'end', type: 'exit' },
    ], { sendWindow: { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '24:00' } });
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 * 86_400_000 }), { minLength: 1, maxLength: 25 }), (gaps) => {
        let cursor = startCursor(loop, ENROLLMENT, tuesday10);
        let now = tuesday10.getTime();
        const seen = new Set<string>();
        const sends: Date[] = [];
        for (const gap of gaps) {
          now += gap;
          const parts = { now: new Date(now), recentSends: [...sends], lead: sampleLead({ engagementScore: 10 }) };
          const r = run(loop, cursor, parts);
          // A retried (rolled back) run does exactly the same thing again.
          expect(run(loop, cursor, parts)).toEqual(r);
          for (const e of r.effects) {
            if (e.kind !== 'step_run') continue;
            const key = `${e.stepId}#${e.visit}`;
            expect(seen.has(key)).toBe(false);
            seen.add(key);
            if (e.stepId === 'mail') sends.push(new Date(now));
          }
          cursor = r.cursor;
          if (r.status !== 'active') break;
          expect(r.nextRunAt!.getTime()).toBeGreaterThan(now - 1);
        }
      }),
      { numRuns: 200 },
    );
  });
});
