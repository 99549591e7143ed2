import fc from 'fast-check';
import { countedSoftBounces, softBounceCountFrom, softBounceLimitReached, type SoftBounceHistory, type SoftBounce, type SoftBounceRule } from './soft-bounces.js';

/** Whether these soft bounces suppress the address at `now`, as SoftBounceService decides it. */
const softBouncesSuppress = (history: SoftBounceHistory, now: Date, rule: SoftBounceRule) => softBounceLimitReached(countedSoftBounces(history, now, rule), rule);

const RULE: SoftBounceRule = { limit: 3, windowDays: 30 };
const NOW = new Date('2026-03-31T12:00:00Z');
const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(NOW.getTime() - n * DAY);
const bounce = (messageId: string | null, days: number): SoftBounce => ({ messageId, at: daysAgo(days) });

describe('soft bounces suppress an address', () => {
  it('three soft bounces on distinct messages within 30 days suppress it; two do not', () => {
    const three = [bounce('m1', 20), bounce('m2', 10), bounce('m3', 1)];
    expect(softBouncesSuppress({ bounces: three, resets: [] }, NOW, RULE)).toBe(true);
    expect(softBouncesSuppress({ bounces: three.slice(0, 2), resets: [] }, NOW, RULE)).toBe(false);
  });

  it('three reports of the same message count once', () => {
    const same = [bounce('m1', 3), bounce('m1', 2), bounce('M1', 1)];
    expect(countedSoftBounces({ bounces: same, resets: [] }, NOW, RULE)).toBe(1);
    expect(softBouncesSuppress({ bounces: same, resets: [] }, NOW, RULE)).toBe(false);
  });

  it('reports that name no message do not count (they cannot be told apart from a repeat)', () => {
    const bare = [bounce(null, 3), bounce(null, 2), bounce(null, 1)];
    expect(softBouncesSuppress({ bounces: bare, resets: [] }, NOW, RULE)).toBe(false);
  });

  it('a bounce older than the window no longer counts', () => {
    const history = { bounces: [bounce('m1', 31), bounce('m2', 10), bounce('m3', 1)], resets: [] };
    expect(countedSoftBounces(history, NOW, RULE)).toBe(2);
    expect(softBouncesSuppress(history, NOW, { limit: 3, windowDays: 60 })).toBe(true);
  });

  it('a human open or click, or a lift, in between resets the count', () => {
    const bounces = [bounce('m1', 20), bounce('m2', 10), bounce('m3', 1)];
    expect(countedSoftBounces({ bounces, resets: [daysAgo(15)] }, NOW, RULE)).toBe(2);
    expect(softBouncesSuppress({ bounces, resets: [daysAgo(15)] }, NOW, RULE)).toBe(false);
    // A reset after the last bounce leaves nothing counted; one at the very instant of a bounce resets it too.
    expect(countedSoftBounces({ bounces, resets: [daysAgo(0.5)] }, NOW, RULE)).toBe(0);
    expect(countedSoftBounces({ bounces, resets: [daysAgo(1)] }, NOW, RULE)).toBe(0);
    // Only the latest reset matters, whatever order the resets come in.
    expect(softBounceCountFrom([daysAgo(15), daysAgo(25)], NOW, RULE)).toEqual(daysAgo(15));
  });

  it('a reset after now (a clock ahead elsewhere) is ignored, and bounces after now do not count', () => {
    const bounces = [bounce('m1', 3), bounce('m2', 2), bounce('m3', 1)];
    expect(softBouncesSuppress({ bounces, resets: [daysAgo(-1)] }, NOW, RULE)).toBe(true);
    expect(countedSoftBounces({ bounces: [...bounces, bounce('m4', -1)], resets: [] }, NOW, RULE)).toBe(3);
  });

  it('limit 0 turns the rule off; limit 1 suppresses on the first bounce', () => {
    const bounces = [bounce('m1', 3), bounce('m2', 2), bounce('m3', 1)];
    expect(softBouncesSuppress({ bounces, resets: [] }, NOW, { limit: 0, windowDays: 30 })).toBe(false);
    expect(softBouncesSuppress({ bounces: [bounce('m1', 1)], resets: [] }, NOW, { limit: 1, windowDays: 30 })).toBe(true);
  });

  describe('properties', () => {
    const arbBounce = fc.record({
      messageId: fc.option(fc.constantFrom('m1', 'm2', 'm3', 'm4', 'm5', 'm6'), { nil: null }),
      at: fc.integer({ min: -2 * DAY, max: 60 * DAY }).map((ago) => new Date(NOW.getTime() - ago)),
    });
    const arbResets = fc.array(fc.integer({ min: -2 * DAY, max: 60 * DAY }).map((ago) => new Date(NOW.getTime() - ago)), { maxLength: 3 });
    const arbRule = fc.record({ limit: fc.integer({ min: 0, max: 6 }), windowDays: fc.integer({ min: 1, max: 60 }) });

    it('never suppresses with fewer distinct bounced messages than the limit, nor with limit 0', () => {
      fc.assert(
        fc.property(fc.array(arbBounce, { maxLength: 20 }), arbResets, arbRule, (bounces, resets, rule) => {
          const distinct = new Set(bounces.flatMap((b) => (b.messageId ? [b.messageId] : []))).size;
          const suppresses = softBouncesSuppress({ bounces, resets }, NOW, rule);
          if (rule.limit === 0 || distinct < rule.limit) expect(suppresses).toBe(false);
          expect(countedSoftBounces({ bounces, resets }, NOW, rule)).toBeLessThanOrEqual(distinct);
        }),
      );
    });

    it('the order in which reports and resets arrive does not matter, nor does a report repeated', () => {
      const withPermutation = fc
        .array(arbBounce, { maxLength: 20 })
        .chain((bounces) => fc.tuple(fc.constant(bounces), fc.shuffledSubarray(bounces, { minLength: bounces.length, maxLength: bounces.length })));
      fc.assert(
        fc.property(withPermutation, arbResets, arbRule, ([bounces, permuted], resets, rule) => {
          const expected = countedSoftBounces({ bounces, resets }, NOW, rule);
          expect(countedSoftBounces({ bounces: permuted, resets: [...resets].reverse() }, NOW, rule)).toBe(expected);
          expect(countedSoftBounces({ bounces: [...bounces, ...permuted], resets }, NOW, rule)).toBe(expected);
        }),
      );
    });

    it('one more bounce never lifts a suppression, and a reset at now always leaves nothing counted', () => {
      fc.assert(
        fc.property(fc.array(arbBounce, { maxLength: 20 }), arbBounce, arbResets, arbRule, (bounces, extra, resets, rule) => {
          if (softBouncesSuppress({ bounces, resets }, NOW, rule)) expect(softBouncesSuppress({ bounces: [...bounces, extra], resets }, NOW, rule)).toBe(true);
          expect(countedSoftBounces({ bounces, resets: [...resets, NOW] }, NOW, rule)).toBe(0);
        }),
      );
    });
  });
});
