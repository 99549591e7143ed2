import { manualMoveProblem } from './manual-stage.js';

describe('setting a lead stage by hand', () => {
  it('marks any prospect a customer or disqualifies it, whatever automatic moves allow', () => {
    for (const from of ['subscriber', 'lead', 'mql', 'recycled'] as const) {
      expect(manualMoveProblem(from, 'customer', null)).toBeNull();
      expect(manualMoveProblem(from, 'disqualified', null)).toBeNull();
    }
    expect(manualMoveProblem('disqualified', 'customer', null)).toBeNull();
    expect(manualMoveProblem('customer', 'disqualified', null)).toBeNull();
  });

  it('takes a disqualified, recycled or subscribed lead back into nurture as a lead, and nobody further along', () => {
    for (const from of ['disqualified', 'recycled', 'subscriber'] as const) expect(manualMoveProblem(from, 'lead', null)).toBeNull();
    expect(manualMoveProblem('mql', 'lead', null)).toMatch(/cannot go back to lead/);
    expect(manualMoveProblem('customer', 'lead', null)).toMatch(/cannot go back to lead/);
  });

  it('leaves leads sales accepted to their hand-off', () => {
    expect(manualMoveProblem('sql', 'customer', null)).toMatch(/sales own a lead at sql/);
    expect(manualMoveProblem('opportunity', 'disqualified', null)).toMatch(/sales own a lead at opportunity/);
    expect(manualMoveProblem('recycled', 'customer', { id: 'h-1', status: 'accepted' })).toMatch(/hand-off h-1 is accepted/);
  });
});
