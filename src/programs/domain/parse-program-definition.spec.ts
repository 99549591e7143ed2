import { exampleProgramJson } from './example-program.fixture.js';
import { parseProgramDefinition } from './parse-program-definition.js';

/** A minimal valid program, with `extra` merged over it. */
function program(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'Offerte opvolging',
    trigger: { type: 'manual' },
    steps: [
      { id: 'welcome', type: 'email', templateId: 'tpl-welcome', next: 'end' },
      { id: 'end', type: 'exit' },
    ],
    ...extra,
  };
}

/** Parses and returns the errors, as `field: message` strings for readable failures. */
function errorsOf(input: unknown): string[] {
  const { definition, errors } = parseProgramDefinition(input);
  if (errors.length > 0) expect(definition).toBeUndefined();
  return errors.map((e) => `${e.field}: ${e.message}`);
}

/** The first error on exactly this field, or undefined. */
function errorAt(input: unknown, field: string): string | undefined {
  return parseProgramDefinition(input).errors.find((e) => e.field === field)?.message;
}

function withStep(index: number, step: Record<string, unknown>): Record<string, unknown> {
  const steps = [...(exampleProgramJson().steps as Record<string, unknown>[])];
  steps[index] = step;
  return { ...exampleProgramJson(), steps };
}

describe('parseProgramDefinition', () => {
  it('accepts the API.md example program as written', () => {
    const { definition, errors } = parseProgramDefinition(exampleProgramJson());
    expect(errors).toEqual([]);
    expect(definition).toEqual(exampleProgramJson());
  });

  it('fills in the defaults: goal MQL-or-meeting, never re-enroll, Mon–Fri 09:00–17:00', () => {
    const { definition } = parseProgramDefinition(program());
    expect(definition?.goal).toEqual({ anyOf: [{ stageAtLeast: 'mql' }, { event: 'meeting_booked' }] });
    expect(definition?.reenrollment).toEqual({ policy: 'never' });
    expect(definition?.sendWindow).toEqual({ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' });
  });

  it('gives every program its own copy of the defaults', () => {
    const first = parseProgramDefinition(program()).definition!;
    first.sendWindow.days.push('sat');
    expect(parseProgramDefinition(program()).definition!.sendWindow.days).not.toContain('sat');
  });

  it('refuses something that is not an object', () => {
    expect(errorsOf('a program')).toHaveLength(1);
    expect(errorsOf([program()])).toHaveLength(1);
  });

  it('refuses unknown fields, naming them', () => {
    expect(errorAt(program({ colour: 'red' }), 'colour')).toBe('is not a known field');
    expect(errorAt(withStep(1, { id: 'wait1', type: 'wait', duration: 'P3D', delay: 'P1D', next: 'clicked' }), 'steps[1].delay')).toBe(
      'is not a known field',
    );
    expect(errorAt(program({ sendWindow: { days: ['mon'], from: '09:00', to: '17:00', tz: 'UTC' } }), 'sendWindow.tz')).toBe(
      'is not a known field',
    );
  });

  it('requires a name, a trigger and steps', () => {
    expect(errorsOf({})).toEqual(expect.arrayContaining(['name: is required', 'trigger: is required', 'steps: is required']));
  });

  it('sorts send-window days into week order', () => {
    const { definition } = parseProgramDefinition(program({ sendWindow: { days: ['fri', 'mon'], from: '10:00', to: '24:00' } }));
    expect(definition?.sendWindow).toEqual({ days: ['mon', 'fri'], from: '10:00', to: '24:00' });
  });

  describe('steps', () => {
    it('refuses step ids that are not short lowercase slugs', () => {
      expect(errorAt(withStep(0, { id: 'Welcome Mail', type: 'email', templateId: 't', next: 'wait1' }), 'steps[0].id')).toMatch(/a-z, 0-9/);
      expect(errorAt(withStep(0, { id: 'x'.repeat(65), type: 'email', templateId: 't', next: 'wait1' }), 'steps[0].id')).toBeDefined();
    });

    it('refuses more than 200 steps', () => {
      const steps = Array.from({ length: 201 }, (_, i) => ({ id: `s${i}`, type: 'exit' }));
      expect(errorAt(program({ steps }), 'steps')).toBe('must have at most 200 items');
    });

    it('refuses an empty list of steps', () => {
      expect(errorAt(program({ steps: [] }), 'steps')).toBe('must not be empty');
    });

    it('refuses an unknown step type', () => {
      expect(errorAt(withStep(5, { id: 'end', type: 'sms' }), 'steps[5].type')).toMatch(/must be one of email, wait/);
    });

    it('requires next on every step that continues', () => {
      expect(errorAt(withStep(3, { id: 'reminder', type: 'email', templateId: 't' }), 'steps[3].next')).toBe('is required');
      expect(errorAt(withStep(2, { id: 'clicked', type: 'branch', if: { opened: { step: 'welcome' } }, then: 'case' }), 'steps[2].else')).toBe(
        'is required',
      );
    });

    it('refuses a wait that is not an ISO-8601 duration, or is zero', () => {
      expect(errorAt(withStep(1, { id: 'wait1', type: 'wait', duration: '3 days', next: 'clicked' }), 'steps[1].duration')).toMatch(/ISO-8601/);
      expect(errorAt(withStep(1, { id: 'wait1', type: 'wait', duration: 'P0D', next: 'clicked' }), 'steps[1].duration')).toMatch(/positive/);
    });

    it('counts business days only in whole days', () => {
      const ok = withStep(1, { id: 'wait1', type: 'wait', duration: 'P2D', businessDays: true, next: 'clicked' });
      expect(errorsOf(ok)).toEqual([]);
      const hours = withStep(1, { id: 'wait1', type: 'wait', duration: 'PT12H', businessDays: true, next: 'clicked' });
      expect(errorAt(hours, 'steps[1].duration')).toMatch(/number of days/);
      const week = withStep(1, { id: 'wait1', type: 'wait', duration: 'P1W', businessDays: true, next: 'clicked' });
      expect(errorAt(week, 'steps[1].duration')).toMatch(/number of days/);
    });

    it('reads a wait-until with its event, timeout and both paths', () => {
      const step = { id: 'clicked', type: 'wait_until', event: { type: 'email_clicked', step: 'welcome' }, timeout: 'P5D', then: 'case', else: 'reminder' };
      const { definition, errors } = parseProgramDefinition(withStep(2, step));
      expect(errors).toEqual([]);
      expect(definition?.steps[2]).toEqual(step);
      expect(errorAt(withStep(2, { ...step, timeout: 'soon' }), 'steps[2].timeout')).toMatch(/ISO-8601/);
      expect(errorAt(withStep(2, { ...step, event: { type: 'Clicked!' } }), 'steps[2].event.type')).toMatch(/snake_case/);
    });

    it('A/B variants need at least two, each with a positive weight', () => {
      const base = { id: 'welcome', type: 'email', templateId: 'tpl-welcome', next: 'wait1' };
      const ab = { ...base, variants: [{ weight: 50 }, { subject: 'Uw gids staat klaar', weight: 50 }] };
      expect(errorsOf(withStep(0, ab))).toEqual([]);
      expect(errorAt(withStep(0, { ...base, variants: [{ weight: 1 }] }), 'steps[0].variants')).toMatch(/at least 2/);
      expect(errorAt(withStep(0, { ...base, variants: [{ weight: 1 }, { weight: 0 }] }), 'steps[0].variants[1].weight')).toMatch(/greater than 0/);
    });

    it('lets update_lead set contact details, qualification and attributes, but not the stage or the score', () => {
      const ok = withStep(4, { id: 'case', type: 'update_lead', set: { 'attributes.nurtured': true, 'qualification.need': 'website' }, next: 'end' });
      expect(errorsOf(ok)).toEqual([]);
      expect(errorAt(withStep(4, { id: 'case', type: 'update_lead', set: { stage: 'sql' }, next: 'end' }), 'steps[4].set.stage')).toBeDefined();
      expect(errorAt(withStep(4, { id: 'case', type: 'update_lead', set: {}, next: 'end' }), 'steps[4].set')).toBeDefined();
    });

    it('refuses update_lead values the lead API refuses, naming the step by id (same rules as the lead API)', () => {
      const set = (s: Record<string, unknown>) => withStep(4, { id: 'u', type: 'update_lead', set: s, next: 'end' });
      expect(errorAt(set({ timezone: 'Bad/Zone', locale: 'zzzz' }), 'steps[u].set.timezone')).toMatch(/IANA time zone/);
      expect(errorAt(set({ timezone: 'Bad/Zone', locale: 'zzzz' }), 'steps[u].set.locale')).toMatch(/"nl" or "nl-BE"/);
      expect(errorAt(set({ firstName: 12 }), 'steps[u].set.firstName')).toMatch(/string or null/);
      expect(errorAt(set({ phone: '0'.repeat(51) }), 'steps[u].set.phone')).toMatch(/at most 50/);
      expect(errorAt(set({ 'qualification.need': 'x'.repeat(501) }), 'steps[u].set.qualification.need')).toMatch(/at most 500/);
      expect(errorsOf(set({ timezone: 'Europe/Brussels', locale: 'nl-BE', firstName: null, phone: '+32 470 00 00 00', 'attributes.n': 3 }))).toEqual([]);
    });

    it('hands off with a priority from the intent tiers', () => {
      expect(errorsOf(withStep(4, { id: 'case', type: 'handoff', priority: 'high', next: 'end' }))).toEqual([]);
      expect(errorAt(withStep(4, { id: 'case', type: 'handoff', priority: 'urgent', next: 'end' }), 'steps[4].priority')).toMatch(/high, medium, low/);
    });
  });

  describe('conditions', () => {
    const branch = (condition: unknown) => withStep(2, { id: 'clicked', type: 'branch', if: condition, then: 'case', else: 'reminder' });

    it('reads and/or/not over attributes, score, stage and past events', () => {
      const condition = {
        and: [
          { field: 'engagementScore', op: 'gte', value: 40 },
          { or: [{ field: 'attributes.industry', op: 'in', value: ['food', 'retail'] }, { not: { field: 'stage', op: 'equals', value: 'subscriber' } }] },
          { event: { type: 'page_viewed', within: 'P14D' } },
          { opened: { step: 'welcome' } },
          { field: 'qualification.budget', op: 'exists' },
        ],
      };
      const { definition, errors } = parseProgramDefinition(branch(condition));
      expect(errors).toEqual([]);
      expect(definition?.steps[2]).toMatchObject({ if: condition });
    });

    it('names the exact place of a wrong operator deep in the tree', () => {
      const condition = { and: [{ field: 'fitScore', op: 'gte', value: 10 }, { or: [{ field: 'attributes.industry', op: 'like', value: 'f%' }] }] };
      expect(errorAt(branch(condition), 'steps[2].if.and[1].or[0].op')).toMatch(/must be one of equals/);
    });

    it('checks that each operator gets a value it can use', () => {
      expect(errorAt(branch({ field: 'attributes.industry', op: 'in', value: 'food' }), 'steps[2].if.value')).toBe('must be an array');
      expect(errorAt(branch({ field: 'engagementScore', op: 'gt', value: true }), 'steps[2].if.value')).toMatch(/number/);
      for (const value of ['abc', '12 employees', '2026-02-30', '9999-99-99T00:00:00Z']) {
        expect(errorAt(branch({ field: 'attributes.employees', op: 'gte', value }), 'steps[2].if.value')).toMatch(/number or an ISO-8601 date/);
      }
      for (const value of ['12', ' 1.5e3 ', '2026-12-31', '2026-12-31T10:00:00+01:00']) {
        expect(errorAt(branch({ field: 'attributes.employees', op: 'lt', value }), 'steps[2].if.value')).toBeUndefined();
      }
      expect(errorAt(branch({ field: 'company', op: 'equals' }), 'steps[2].if.value')).toMatch(/is required/);
      expect(errorAt(branch({ field: 'stage', op: 'equals', value: 'hot' }), 'steps[2].if.value')).toMatch(/lifecycle stage/);
    });

    it('refuses fields that are not lead fields', () => {
      expect(errorAt(branch({ field: 'password', op: 'exists' }), 'steps[2].if.field')).toMatch(/must be a lead field/);
      expect(errorAt(branch({ field: 'attributes', op: 'exists' }), 'steps[2].if.field')).toMatch(/must be a lead field/);
    });

    it('refuses an object that is neither a test nor a single combinator', () => {
      expect(errorAt(branch({ and: [], or: [] }), 'steps[2].if')).toMatch(/exactly one of/);
      expect(errorAt(branch({ and: [] }), 'steps[2].if.and')).toBe('must not be empty');
    });

    it('refuses conditions nested too deep', () => {
      let deep: unknown = { field: 'fitScore', op: 'gt', value: 1 };
      for (let i = 0; i < 10; i++) deep = { not: deep };
      expect(errorsOf(branch(deep)).join('\n')).toMatch(/nested at most 8 levels/);
    });

    it('does not allow clicked/opened in an entry filter, where there is no email yet', () => {
      expect(errorAt(program({ entryFilter: { clicked: { step: 'welcome' } } }), 'entryFilter.clicked')).toMatch(/only allowed in branches/);
      expect(errorsOf(program({ entryFilter: { field: 'source.channel', op: 'equals', value: 'google_ads' } }))).toEqual([]);
    });
  });

  describe('trigger, goal and policies', () => {
    it.each([
      [{ type: 'lead_created', where: { 'source.channel': ['google_ads', 'meta_ads'] } }],
      [{ type: 'lead_created' }],
      [{ type: 'stage_entered', stage: 'recycled' }],
      [{ type: 'segment', where: { field: 'attributes.industry', op: 'equals', value: 'food' } }],
      [{ type: 'event', eventType: 'webinar_attended' }],
      [{ type: 'manual' }],
    ])('accepts the trigger %j', (trigger) => {
      expect(errorsOf(program({ trigger }))).toEqual([]);
    });

    it('refuses triggers with a wrong or missing part', () => {
      expect(errorAt(program({ trigger: { type: 'lead_created', where: { 'properties.x': 1 } } }), 'trigger.where.properties.x')).toMatch(/source\./);
      expect(errorAt(program({ trigger: { type: 'stage_entered', stage: 'hot' } }), 'trigger.stage')).toMatch(/must be one of/);
      expect(errorAt(program({ trigger: { type: 'segment' } }), 'trigger.where')).toBe('is required');
      expect(errorAt(program({ trigger: { type: 'event' } }), 'trigger.eventType')).toBe('is required');
      expect(errorAt(program({ trigger: { type: 'manual', eventType: 'x' } }), 'trigger.eventType')).toBe('is not a known field');
      expect(errorAt(program({ trigger: { type: 'cron' } }), 'trigger.type')).toMatch(/must be one of/);
    });

    it('accepts a goal over conditions and refuses a stage outside the forward order', () => {
      const goal = { allOf: [{ stageAtLeast: 'sql' }, { field: 'fitScore', op: 'gte', value: 30 }] };
      expect(errorsOf(program({ goal }))).toEqual([]);
      expect(errorAt(program({ goal: { anyOf: [{ stageAtLeast: 'recycled' }] } }), 'goal.anyOf[0].stageAtLeast')).toMatch(/must be one of/);
      expect(errorAt(program({ goal: { anyOf: [], allOf: [] } }), 'goal')).toMatch(/exactly one of/);
    });

    it('re-enrolls after a number of days, or never', () => {
      expect(parseProgramDefinition(program({ reenrollment: { policy: 'after', days: 90 } })).definition?.reenrollment).toEqual({ policy: 'after', days: 90 });
      expect(errorAt(program({ reenrollment: { policy: 'after' } }), 'reenrollment.days')).toBe('is required');
      expect(errorAt(program({ reenrollment: { policy: 'after', days: 0 } }), 'reenrollment.days')).toMatch(/whole number from 1/);
      expect(errorAt(program({ reenrollment: { policy: 'never', days: 3 } }), 'reenrollment.days')).toBe('is not a known field');
    });

    it('refuses send windows that are malformed or close before they open', () => {
      expect(errorAt(program({ sendWindow: { days: ['monday'], from: '09:00', to: '17:00' } }), 'sendWindow.days[0]')).toMatch(/mon, tue/);
      expect(errorAt(program({ sendWindow: { days: ['mon', 'mon'], from: '09:00', to: '17:00' } }), 'sendWindow.days')).toMatch(/repeat/);
      expect(errorAt(program({ sendWindow: { days: ['mon'], from: '9:00', to: '17:00' } }), 'sendWindow.from')).toMatch(/HH:mm/);
      expect(errorAt(program({ sendWindow: { days: ['mon'], from: '17:00', to: '09:00' } }), 'sendWindow.to')).toMatch(/later than from/);
      expect(errorAt(program({ sendWindow: { days: [], from: '09:00', to: '17:00' } }), 'sendWindow.days')).toBe('must not be empty');
    });

    it('reads the locales the program is sent in', () => {
      expect(parseProgramDefinition(program({ locales: ['nl', 'fr', 'en'] })).definition?.locales).toEqual(['nl', 'fr', 'en']);
      expect(errorAt(program({ locales: ['nl', 'Dutch'] }), 'locales[1]')).toMatch(/locale code/);
    });
  });

  describe('null', () => {
    const NULL_REFUSED = 'must not be null; leave the field out instead';
    /** The program with the field at `path` (dots, numbers for array items) set to null. */
    function withNull(path: string): Record<string, unknown> {
      const copy = structuredClone(exampleProgramJson()) as Record<string, unknown>;
      const keys = path.split('.');
      let o = copy as Record<string, unknown>;
      for (const k of keys.slice(0, -1)) o = o[k] as Record<string, unknown>;
      o[keys[keys.length - 1]] = null;
      return copy;
    }

    it.each([
      ['name', 'name'],
      ['trigger', 'trigger'],
      ['trigger.type', 'trigger.type'],
      ['trigger.eventType', 'trigger.eventType'],
      ['trigger.where', 'trigger.where'],
      ['goal', 'goal'],
      ['goal.anyOf', 'goal.anyOf'],
      ['goal.anyOf.0.stageAtLeast', 'goal.anyOf[0].stageAtLeast'],
      ['reenrollment', 'reenrollment'],
      ['reenrollment.policy', 'reenrollment.policy'],
      ['reenrollment.days', 'reenrollment.days'],
      ['sendWindow', 'sendWindow'],
      ['sendWindow.days', 'sendWindow.days'],
      ['sendWindow.to', 'sendWindow.to'],
      ['steps', 'steps'],
      ['steps.0.id', 'steps[0].id'],
      ['steps.0.type', 'steps[0].type'],
      ['steps.0.templateId', 'steps[0].templateId'],
      ['steps.1.duration', 'steps[1].duration'],
      ['steps.2.if', 'steps[2].if'],
      ['steps.2.if.clicked', 'steps[2].if.clicked'],
      ['steps.2.then', 'steps[2].then'],
    ])('refuses %s: null, once, in the words of the rest of the API', (path, field) => {
      expect(errorsOf(withNull(path))).toEqual([`${field}: ${NULL_REFUSED}`]);
    });

    it('refuses null for an optional field too (description, entryFilter, locales, businessDays, a variant, an exit reason)', () => {
      expect(errorsOf(program({ description: null }))).toEqual([`description: ${NULL_REFUSED}`]);
      expect(errorsOf(program({ entryFilter: null }))).toEqual([`entryFilter: ${NULL_REFUSED}`]);
      expect(errorsOf(program({ entryFilter: { and: null } }))).toEqual([`entryFilter.and: ${NULL_REFUSED}`]);
      expect(errorsOf(program({ locales: null }))).toEqual([`locales: ${NULL_REFUSED}`]);
      const steps = (extra: Record<string, unknown>) => [{ id: 'pause', type: 'wait', duration: 'P1D', next: 'end', ...extra }, { id: 'end', type: 'exit', reason: null }];
      expect(errorsOf(program({ steps: steps({ businessDays: null }) }))).toEqual([`steps[0].businessDays: ${NULL_REFUSED}`, `steps[1].reason: ${NULL_REFUSED}`]);
      const variants = [{ subject: 'A', weight: null }, { subject: null, weight: 1 }];
      expect(errorsOf(program({ steps: [{ id: 'mail', type: 'email', templateId: 't', variants, next: 'end' }, { id: 'end', type: 'exit' }] }))).toEqual([
        `steps[0].variants[0].weight: ${NULL_REFUSED}`,
        `steps[0].variants[1].subject: ${NULL_REFUSED}`,
      ]);
    });

    it('keeps null as a value where the definition holds data: a condition value, a property filter, a lead field to clear', () => {
      const { definition, errors } = parseProgramDefinition(
        program({
          trigger: { type: 'event', eventType: 'form_submitted', where: { 'properties.campaign': null } },
          entryFilter: { field: 'company', op: 'equals', value: null },
          steps: [
            { id: 'clear', type: 'update_lead', set: { phone: null, 'attributes.tier': null }, next: 'end' },
            { id: 'end', type: 'exit' },
          ],
        }),
      );
      expect(errors).toEqual([]);
      expect(definition).toMatchObject({
        trigger: { where: { 'properties.campaign': null } },
        entryFilter: { value: null },
        steps: [{ set: { phone: null, 'attributes.tier': null } }, { id: 'end' }],
      });
    });
  });
});
