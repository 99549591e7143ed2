import { compareHandoffPriority, handoffPriority, promotionPriority } from './priority.js';

describe('handoffPriority', () => {
  it('a quote request or booked meeting (high intent) is a high-priority hand-off', () => {
    expect(handoffPriority('high')).toBe('high');
  });

  it('a lead who became MQL through downloads and webinars (medium intent) is medium priority', () => {
    expect(handoffPriority('medium')).toBe('medium');
  });

  it('a lead who scored up on newsletter-level interest (low intent) is low priority', () => {
    expect(handoffPriority('low')).toBe('low');
  });
});

describe('promotionPriority', () => {
  const byRule = (leadIntent: 'high' | 'medium' | 'low' | null) => promotionPriority({ reason: 'mql_rule', triggerTier: null, leadIntent });

  it('gives a lead the MQL rule promoted the priority of its intent: high, medium or low', () => {
    expect(byRule('high')).toBe('high');
    expect(byRule('medium')).toBe('medium');
    expect(byRule('low')).toBe('low');
  });

  it('treats a lead without behaviour of intent (intent not known) as low', () => {
    expect(byRule(null)).toBe('low');
  });

  it("gives a high-intent promotion its event type's tier, high when the event is not known", () => {
    expect(promotionPriority({ reason: 'high_intent_event', triggerTier: 'high', leadIntent: null })).toBe('high');
    expect(promotionPriority({ reason: 'high_intent_event', triggerTier: null, leadIntent: 'low' })).toBe('high');
    // The event's tier decides, not the lead's other behaviour (a model published since may have moved the type).
    expect(promotionPriority({ reason: 'high_intent_event', triggerTier: 'medium', leadIntent: 'high' })).toBe('medium');
  });
});

describe('compareHandoffPriority', () => {
  it('puts high before medium before low in the sales queue', () => {
    expect((['low', 'high', 'medium', 'high'] as const).slice().sort(compareHandoffPriority)).toEqual(['high', 'high', 'medium', 'low']);
  });
});
