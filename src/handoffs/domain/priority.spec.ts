import { compareHandoffPriority, handoffPriority } from './priority.js';

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

describe('compareHandoffPriority', () => {
  it('puts high before medium before low in the sales queue', () => {
    expect((['low', 'high', 'medium', 'high'] as const).slice().sort(compareHandoffPriority)).toEqual(['high', 'high', 'medium', 'low']);
  });
});
