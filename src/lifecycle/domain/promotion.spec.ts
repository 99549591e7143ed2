import fc from 'fast-check';
import { DEFAULT_SCORING_MODEL } from '../../scoring/domain/scoring-model.js';
import { STAGES, stageRank, type Stage } from '../../scoring/domain/lifecycle.js';
import { decidePromotion } from './promotion.js';

const rule = DEFAULT_SCORING_MODEL.mql;
const base = { stage: 'lead' as Stage, engagementScore: 0, fitScore: 0, qualification: {} };

describe('automatic promotion', () => {
  it('promotes a lead who requested a quote to MQL at once, whatever the score', () => {
    expect(decidePromotion({ ...base, highIntentEventId: 'e1' }, rule)).toEqual({ to: 'mql', reason: 'high_intent_event', eventId: 'e1' });
  });

  it('promotes on the MQL rule only when engagement and two BANT answers are both there', () => {
    expect(decidePromotion({ ...base, engagementScore: 80, qualification: { need: 'crm' } }, rule)).toBeNull();
    expect(decidePromotion({ ...base, engagementScore: 40, qualification: { need: 'crm', budget: '5k' } }, rule)).toBeNull();
    expect(decidePromotion({ ...base, engagementScore: 50, qualification: { need: 'crm', budget: '5k' } }, rule)).toEqual({
      to: 'mql',
      reason: 'mql_rule',
      eventId: null,
    });
  });

  it('turns a newsletter subscriber who downloads a guide into a lead, not an MQL', () => {
    expect(decidePromotion({ ...base, stage: 'subscriber', interestEventId: 'dl' }, rule)).toEqual({
      to: 'lead',
      reason: 'showed_interest',
      eventId: 'dl',
    });
  });

  it('never touches disqualified leads or leads sales already owns', () => {
    for (const stage of ['disqualified', 'sql', 'opportunity', 'customer'] as Stage[]) {
      expect(decidePromotion({ ...base, stage, highIntentEventId: 'e', engagementScore: 500, qualification: { need: 'x', budget: 'y' } }, rule)).toBeNull();
    }
  });

  it('lets a recycled lead warm up to MQL again', () => {
    expect(decidePromotion({ ...base, stage: 'recycled', highIntentEventId: 'e' }, rule)?.to).toBe('mql');
  });

  it('only ever moves forward (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...STAGES),
        fc.double({ min: -100, max: 500, noNaN: true }),
        fc.boolean(),
        fc.boolean(),
        fc.subarray(['need', 'timeline', 'budget', 'authority']),
        (stage, engagementScore, high, interest, known) => {
          const qualification = Object.fromEntries(known.map((k) => [k, 'yes']));
          const p = decidePromotion(
            { stage, engagementScore, fitScore: 0, qualification, highIntentEventId: high ? 'h' : null, interestEventId: interest ? 'i' : null },
            rule,
          );
          if (!p) return true;
          return stage === 'recycled' || stageRank(p.to) > stageRank(stage);
        },
      ),
    );
  });
});
