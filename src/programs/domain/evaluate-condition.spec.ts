import fc from 'fast-check';
import { evaluateCondition, goalMetOnEntry, goalReached, matchesPropertyFilter, subtractDuration } from './evaluate-condition.js';
import { sampleLead, worldOf } from './lead-facts.fixture.js';
import type { Condition } from './program-definition.js';

const now = new Date('2026-03-10T10:00:00Z');
const facts = (over: Parameters<typeof worldOf>[0] | object = {}) => worldOf({ now, ...over });

describe('evaluateCondition', () => {
  it('tests lead fields with the scoring rules: case-insensitive text, numeric strings as numbers', () => {
    const lead = sampleLead({ company: 'Bakkerij Peeters', attributes: { employees: '12', industry: 'Food' } });
    const f = facts({ lead });
    expect(evaluateCondition({ field: 'attributes.industry', op: 'equals', value: 'food' }, f)).toBe(true);
    expect(evaluateCondition({ field: 'attributes.employees', op: 'gte', value: 10 }, f)).toBe(true);
    expect(evaluateCondition({ field: 'attributes.employees', op: 'lt', value: 10 }, f)).toBe(false);
    expect(evaluateCondition({ field: 'company', op: 'startsWith', value: 'bakkerij' }, f)).toBe(true);
    expect(evaluateCondition({ field: 'stage', op: 'in', value: ['mql', 'lead'] }, f)).toBe(true);
  });

  it('treats equals null as "empty" and notEquals null as "filled in"', () => {
    const f = facts({ lead: sampleLead({ phone: null, company: 'X' }) });
    expect(evaluateCondition({ field: 'phone', op: 'equals', value: null }, f)).toBe(true);
    expect(evaluateCondition({ field: 'company', op: 'equals', value: null }, f)).toBe(false);
    expect(evaluateCondition({ field: 'company', op: 'notEquals', value: null }, f)).toBe(true);
  });

  it('compares ISO dates with gt/lt', () => {
    const f = facts({ lead: sampleLead({ attributes: { contractEnds: '2026-06-01' } }) });
    expect(evaluateCondition({ field: 'attributes.contractEnds', op: 'lt', value: '2026-12-31' }, f)).toBe(true);
    expect(evaluateCondition({ field: 'attributes.contractEnds', op: 'gt', value: '2026-12-31' }, f)).toBe(false);
  });

  it('looks at past events, optionally only within a period', () => {
    const f = facts({ events: [{ type: 'page_viewed', at: new Date('2026-03-01T10:00:00Z') }] });
    expect(evaluateCondition({ event: { type: 'page_viewed' } }, f)).toBe(true);
    expect(evaluateCondition({ event: { type: 'page_viewed', within: 'P14D' } }, f)).toBe(true);
    expect(evaluateCondition({ event: { type: 'page_viewed', within: 'P7D' } }, f)).toBe(false);
    expect(evaluateCondition({ event: { type: 'quote_requested' } }, f)).toBe(false);
  });

  it('knows whether this enrollment’s emails were clicked or opened by a human', () => {
    const f = facts({ clicks: ['welcome'], opens: ['welcome', 'reminder'] });
    expect(evaluateCondition({ clicked: { step: 'welcome' } }, f)).toBe(true);
    expect(evaluateCondition({ clicked: { step: 'reminder' } }, f)).toBe(false);
    expect(evaluateCondition({ and: [{ opened: { step: 'reminder' } }, { not: { clicked: { step: 'reminder' } } }] }, f)).toBe(true);
  });

  it('obeys De Morgan: not(and(a, b)) equals or(not a, not b) for any lead', () => {
    const leaf = fc.constantFrom<Condition>(
      { field: 'engagementScore', op: 'gte', value: 30 },
      { field: 'attributes.industry', op: 'equals', value: 'food' },
      { field: 'stage', op: 'equals', value: 'mql' },
      { clicked: { step: 'welcome' } },
    );
    fc.assert(
      fc.property(
        leaf,
        leaf,
        fc.integer({ min: 0, max: 60 }),
        fc.constantFrom('food', 'bouw'),
        fc.constantFrom('lead', 'mql'),
        fc.boolean(),
        (a, b, score, industry, stage, clicked) => {
          const f = facts({ lead: sampleLead({ engagementScore: score, stage, attributes: { industry } }), clicks: clicked ? ['welcome'] : [] });
          expect(evaluateCondition({ not: { and: [a, b] } }, f)).toBe(evaluateCondition({ or: [{ not: a }, { not: b }] }, f));
        },
      ),
    );
  });
});

describe('matchesPropertyFilter', () => {
  it('needs every key to match; an array means any of', () => {
    const event = { properties: { asset: 'gids-website-kosten', page: 3 } };
    expect(matchesPropertyFilter({ 'properties.asset': 'GIDS-website-kosten' }, event)).toBe(true);
    expect(matchesPropertyFilter({ 'properties.asset': ['a', 'gids-website-kosten'], 'properties.page': 3 }, event)).toBe(true);
    expect(matchesPropertyFilter({ 'properties.asset': 'other' }, event)).toBe(false);
    expect(matchesPropertyFilter(undefined, event)).toBe(true);
  });
});

describe('goalReached', () => {
  const enrolledAt = new Date('2026-03-02T10:00:00Z');
  const goal = { anyOf: [{ stageAtLeast: 'mql' as const }, { event: 'meeting_booked' }] };

  it('is reached by a stage on or past the target, never by recycled or disqualified', () => {
    expect(goalReached(goal, facts({ lead: sampleLead({ stage: 'sql' }) }), enrolledAt)).toBe(true);
    expect(goalReached(goal, facts({ lead: sampleLead({ stage: 'recycled' }) }), enrolledAt)).toBe(false);
    expect(goalReached(goal, facts({ lead: sampleLead({ stage: 'lead' }) }), enrolledAt)).toBe(false);
  });

  it('counts a goal event only when it happened after the lead entered the program', () => {
    const before = facts({ events: [{ type: 'meeting_booked', at: new Date('2026-02-01T10:00:00Z') }] });
    const after = facts({ events: [{ type: 'meeting_booked', at: new Date('2026-03-05T10:00:00Z') }] });
    expect(goalReached(goal, before, enrolledAt)).toBe(false);
    expect(goalReached(goal, after, enrolledAt)).toBe(true);
  });

  it('needs every criterion for allOf', () => {
    const allOf = { allOf: [{ stageAtLeast: 'mql' as const }, { field: 'attributes.budget', op: 'exists' as const }] };
    expect(goalReached(allOf, facts({ lead: sampleLead({ stage: 'mql' }) }), enrolledAt)).toBe(false);
    expect(goalReached(allOf, facts({ lead: sampleLead({ stage: 'mql', attributes: { budget: 5000 } }) }), enrolledAt)).toBe(true);
  });
});

describe('goalMetOnEntry', () => {
  const goal = { anyOf: [{ stageAtLeast: 'mql' as const }, { event: 'meeting_booked' }] };

  it('says a lead already past the goal stage would convert at once', () => {
    expect(goalMetOnEntry(goal, facts({ lead: sampleLead({ stage: 'sql' }) }))).toBe(true);
    expect(goalMetOnEntry(goal, facts({ lead: sampleLead({ stage: 'lead' }) }))).toBe(false);
  });

  it('does not count a goal event from before entry, only one at that very instant', () => {
    expect(goalMetOnEntry(goal, facts({ events: [{ type: 'meeting_booked', at: new Date(now.getTime() - 1) }] }))).toBe(false);
    expect(goalMetOnEntry(goal, facts({ events: [{ type: 'meeting_booked', at: now }] }))).toBe(true);
  });

  it('counts past events and lead fields in conditions, never a click or open: the enrollment has sent nothing yet', () => {
    const asked = facts({ events: [{ type: 'quote_requested', at: new Date('2026-03-01T10:00:00Z') }], clicks: ['welcome'] });
    expect(goalMetOnEntry({ anyOf: [{ event: { type: 'quote_requested', within: 'P30D' } }] }, asked)).toBe(true);
    expect(goalMetOnEntry({ anyOf: [{ clicked: { step: 'welcome' } }] }, asked)).toBe(false);
    expect(goalMetOnEntry({ allOf: [{ field: 'attributes.customer', op: 'equals', value: true }] }, facts({ lead: sampleLead({ attributes: { customer: true } }) }))).toBe(true);
  });

  it('is exactly the check before the first step of an enrollment beginning now, for any goal event timing and stage', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('subscriber', 'lead', 'mql', 'sql', 'recycled'),
        fc.option(fc.integer({ min: -3, max: 3 }), { nil: undefined }),
        (stage, offsetMs) => {
          const events = offsetMs === undefined ? [] : [{ type: 'meeting_booked', at: new Date(now.getTime() + offsetMs) }];
          const f = facts({ lead: sampleLead({ stage }), events });
          expect(goalMetOnEntry(goal, f)).toBe(goalReached(goal, { ...f, interacted: () => false }, now));
        },
      ),
    );
  });
});

describe('subtractDuration', () => {
  it('goes back calendar days and hours', () => {
    expect(subtractDuration(now, 'P1DT2H').toISOString()).toBe('2026-03-09T08:00:00.000Z');
    expect(subtractDuration(now, 'P1M').toISOString()).toBe('2026-02-10T10:00:00.000Z');
  });
});
