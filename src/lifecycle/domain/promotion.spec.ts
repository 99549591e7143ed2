import fc from 'fast-check';
import { DEFAULT_SCORING_MODEL } from '../../scoring/domain/scoring-model.js';
import { STAGES, stageRank, type Stage } from '../../scoring/domain/lifecycle.js';
import { decidePromotion, decidePromotions } from './promotion.js';

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

  it('never makes a subscriber an MQL by the rule, whatever its score and answers (nurture only until it becomes a lead), but does on a quote request', () => {
    const hot = { ...base, stage: 'subscriber' as Stage, engagementScore: 500, fitScore: 100, qualification: { need: 'crm', budget: '5k', timeline: 'Q2', authority: 'ceo' } };
    expect(decidePromotion(hot, rule)).toBeNull();
    expect(decidePromotions(hot, rule)).toEqual([]);
    // The same as a lead is an MQL.
    expect(decidePromotion({ ...hot, stage: 'lead' }, rule)).toEqual({ to: 'mql', reason: 'mql_rule', eventId: null });
    // A quote request is a sales signal, not newsletter interest: it promotes a subscriber at once, score or not.
    expect(decidePromotion({ ...base, stage: 'subscriber', highIntentEventId: 'q', interestEventId: 'q' }, rule)).toEqual({
      to: 'mql',
      reason: 'high_intent_event',
      eventId: 'q',
    });
  });

  it('applies the MQL rule to a subscriber once it became a lead: lead by the download, then MQL on its score and answers', () => {
    const qualified = { ...base, stage: 'subscriber' as Stage, engagementScore: 60, qualification: { need: 'crm', budget: '5k' }, interestEventId: 'dl' };
    expect(decidePromotions(qualified, rule)).toEqual([
      { to: 'lead', reason: 'showed_interest', eventId: 'dl' },
      { to: 'mql', reason: 'mql_rule', eventId: null },
    ]);
    // Without the score it stays a lead; without the interest, a subscriber.
    expect(decidePromotions({ ...qualified, engagementScore: 40 }, rule)).toEqual([{ to: 'lead', reason: 'showed_interest', eventId: 'dl' }]);
    expect(decidePromotions({ ...qualified, interestEventId: null }, rule)).toEqual([]);
  });

  it('never touches disqualified leads or leads sales already owns', () => {
    for (const stage of ['disqualified', 'sql', 'opportunity', 'customer'] as Stage[]) {
      expect(decidePromotion({ ...base, stage, highIntentEventId: 'e', engagementScore: 500, qualification: { need: 'x', budget: 'y' } }, rule)).toBeNull();
    }
  });

  it('lets a recycled lead warm up to MQL again', () => {
    expect(decidePromotion({ ...base, stage: 'recycled', highIntentEventId: 'e' }, rule)?.to).toBe('mql');
  });

  it('never makes a subscriber an MQL without a high-intent event, whatever its score, fit, answers and interest (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -100, max: 1000, noNaN: true }),
        fc.double({ min: -100, max: 1000, noNaN: true }),
        fc.subarray(['need', 'timeline', 'budget', 'authority']),
        fc.boolean(),
        (engagementScore, fitScore, known, interest) => {
          const qualification = Object.fromEntries(known.map((k) => [k, 'yes']));
          const moves = decidePromotions({ stage: 'subscriber', engagementScore, fitScore, qualification, interestEventId: interest ? 'i' : null }, rule);
          // Only by becoming a lead first (interest shown) can the rule then apply.
          return moves.every((m, i) => m.to !== 'mql' || (i === 1 && moves[0].to === 'lead' && m.reason === 'mql_rule'));
        },
      ),
    );
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
