import { DEFAULT_SCORING_MODEL } from '../scoring/domain/scoring-model.js';
import type { LeadSnapshot } from './domain/lead-facts.js';
import { refreshedSnapshot } from './lead-snapshot.js';

describe('the lead after an update_lead step', () => {
  const answered = { need: 'website', timeline: 'Q2' };
  const lead = (overrides: Partial<LeadSnapshot>): LeadSnapshot => ({
    stage: 'lead',
    engagementScore: 80,
    fitScore: 0,
    email: 'an@bakkerij.example.be',
    attributes: {},
    qualification: answered,
    source: {},
    ...overrides,
  });

  it('becomes an MQL when the step completes the answers of an engaged lead', () => {
    expect(refreshedSnapshot(lead({}), DEFAULT_SCORING_MODEL).stage).toBe('mql');
  });

  it('a recycled lead only on engagement earned since it was recycled, as the step will store it', () => {
    expect(refreshedSnapshot(lead({ stage: 'recycled' }), DEFAULT_SCORING_MODEL).stage).toBe('recycled');
    expect(refreshedSnapshot(lead({ stage: 'recycled', engagementSinceRecycled: 20 }), DEFAULT_SCORING_MODEL).stage).toBe('recycled');
    expect(refreshedSnapshot(lead({ stage: 'recycled', engagementSinceRecycled: 55 }), DEFAULT_SCORING_MODEL).stage).toBe('mql');
  });
});
