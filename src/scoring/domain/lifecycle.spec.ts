import fc from 'fast-check';
import { canAutoAdvance, isAtLeast, isStage, promotesOnHighIntent, STAGES, stageRank, type Stage } from './lifecycle.js';

const stage = fc.constantFrom(...STAGES);

describe('lifecycle stages', () => {
  it('orders the main path subscriber → lead → mql → sql → opportunity → customer', () => {
    const ranks = (['subscriber', 'lead', 'mql', 'sql', 'opportunity', 'customer'] as Stage[]).map(stageRank);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(new Set(STAGES.map(stageRank)).size).toBe(STAGES.length);
  });

  it('lets scoring make a subscriber a lead, and a lead an MQL, but never a subscriber an MQL (nurture only, never a sales lead)', () => {
    expect(canAutoAdvance('subscriber', 'lead')).toBe(true);
    expect(canAutoAdvance('subscriber', 'mql')).toBe(false);
    expect(canAutoAdvance('lead', 'mql')).toBe(true);
  });

  it('lets a high-intent event promote a subscriber, a lead or a recycled lead to MQL at once, and no stage sales own', () => {
    expect(STAGES.filter(promotesOnHighIntent)).toEqual(['subscriber', 'lead', 'recycled']);
  });

  it('lets a recycled lead warm up again to lead or mql', () => {
    expect(canAutoAdvance('recycled', 'lead')).toBe(true);
    expect(canAutoAdvance('recycled', 'mql')).toBe(true);
  });

  it('never moves a lead back automatically', () => {
    expect(canAutoAdvance('mql', 'lead')).toBe(false);
    expect(canAutoAdvance('lead', 'subscriber')).toBe(false);
    expect(canAutoAdvance('mql', 'recycled')).toBe(false);
  });

  it('leaves sql and beyond to sales, and never revives a disqualified lead', () => {
    for (const to of STAGES) {
      expect(canAutoAdvance('disqualified', to)).toBe(false);
      expect(canAutoAdvance('sql', to)).toBe(false);
      expect(canAutoAdvance('opportunity', to)).toBe(false);
      expect(canAutoAdvance('customer', to)).toBe(false);
    }
    expect(canAutoAdvance('mql', 'sql')).toBe(false);
    expect(canAutoAdvance('lead', 'disqualified')).toBe(false);
  });

  it('never moves backwards in rank, except out of recycled, and never into sql or beyond', () => {
    fc.assert(
      fc.property(stage, stage, (from, to) => {
        if (!canAutoAdvance(from, to)) return true;
        const forward = stageRank(to) > stageRank(from) || from === 'recycled';
        return forward && (to === 'lead' || to === 'mql');
      }),
    );
  });

  it('says whether a lead has reached a stage, with recycled and disqualified off the path', () => {
    expect(isAtLeast('sql', 'mql')).toBe(true);
    expect(isAtLeast('mql', 'mql')).toBe(true);
    expect(isAtLeast('lead', 'mql')).toBe(false);
    expect(isAtLeast('recycled', 'mql')).toBe(false);
    expect(isAtLeast('disqualified', 'lead')).toBe(false);
    expect(isAtLeast('customer', 'recycled')).toBe(false);
    expect(isAtLeast('recycled', 'recycled')).toBe(true);
  });

  it('recognises stage names', () => {
    expect(isStage('mql')).toBe(true);
    expect(isStage('MQL')).toBe(false);
    expect(isStage(3)).toBe(false);
  });
});
