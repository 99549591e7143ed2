import { decidableFromActivity, goalHistoryTypes } from './definition-needs.js';
import { goalReached } from './evaluate-condition.js';
import { worldOf } from './lead-facts.fixture.js';
import type { Goal } from './program-definition.js';

describe('what the activity listener must load to decide a goal when an event arrives', () => {
  it('for an allOf goal, every goal event: the others may have come in earlier requests', () => {
    expect(goalHistoryTypes({ allOf: [{ event: 'webinar_attended' }, { event: 'content_downloaded' }, { stageAtLeast: 'mql' }] })).toEqual([
      'webinar_attended',
      'content_downloaded',
    ]);
  });

  it('for an anyOf goal, no goal event: the one that arrives reaches the goal on its own', () => {
    expect(goalHistoryTypes({ anyOf: [{ stageAtLeast: 'mql' }, { event: 'meeting_booked' }] })).toEqual([]);
  });

  it('past-event conditions in either kind of goal, also inside and/or/not, once each', () => {
    const goal: Goal = {
      anyOf: [{ and: [{ event: { type: 'page_viewed', within: 'P7D' } }, { not: { event: { type: 'quote_requested' } } }] }, { event: { type: 'page_viewed' } }],
    };
    expect(goalHistoryTypes(goal)).toEqual(['page_viewed', 'quote_requested']);
    expect(goalHistoryTypes({ allOf: [{ event: { type: 'page_viewed' } }, { event: 'page_viewed' }] })).toEqual(['page_viewed']);
  });

  it('decides stages, goal events, lead fields and past events from an activity; clicks and opens are left to the scheduler', () => {
    expect(decidableFromActivity({ stageAtLeast: 'mql' })).toBe(true);
    expect(decidableFromActivity({ event: 'meeting_booked' })).toBe(true);
    expect(decidableFromActivity({ field: 'fitScore', op: 'gte', value: 20 })).toBe(true);
    expect(decidableFromActivity({ and: [{ event: { type: 'page_viewed', within: 'P7D' } }, { field: 'stage', op: 'equals', value: 'lead' }] })).toBe(true);
    expect(decidableFromActivity({ or: [{ clicked: { step: 'welcome' } }, { field: 'stage', op: 'equals', value: 'lead' }] })).toBe(false);
    expect(decidableFromActivity({ not: { opened: { step: 'welcome' } } })).toBe(false);
  });

  it('with the history it names, an allOf goal whose events came one request apart is reached on the second', () => {
    const enrolledAt = new Date('2026-03-02T09:00:00Z');
    const goal: Goal = { allOf: [{ event: 'webinar_attended' }, { event: 'content_downloaded' }] };
    const earlier = { type: 'webinar_attended', at: new Date('2026-03-03T10:00:00Z') };
    const arriving = { type: 'content_downloaded', at: new Date('2026-03-04T10:00:00Z') };
    const now = new Date('2026-03-04T10:00:01Z');
    // The activity alone (without the history goalHistoryTypes asks for) cannot tell.
    expect(goalReached(goal, worldOf({ now, events: [arriving] }), enrolledAt)).toBe(false);
    expect(goalHistoryTypes(goal)).toContain(earlier.type);
    expect(goalReached(goal, worldOf({ now, events: [earlier, arriving] }), enrolledAt)).toBe(true);
  });
});
