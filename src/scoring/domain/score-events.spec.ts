import fc from 'fast-check';
import { scoreAt } from './decay.js';
import { DEFAULT_SCORING_MODEL, type ScoringModelDefinition } from './scoring-model.js';
import { intentTierOf, maxCapWindowMs, scoreEvents, type EventFacts, type LedgerFact, type ScoreEventsInput } from './score-events.js';

const DAY = 86_400_000;
const T0 = new Date('2026-03-02T09:00:00Z');
const at = (days: number, minutes = 0) => new Date(T0.getTime() + days * DAY + minutes * 60_000);
const model = DEFAULT_SCORING_MODEL;

let seq = 0;
function event(type: string, occurredAt: Date, properties: Record<string, unknown> = {}, machine = false): EventFacts {
  seq += 1;
  return { id: `evt-${String(seq).padStart(4, '0')}`, type, occurredAt, properties, machine };
}

function score(events: EventFacts[], extra: Partial<ScoreEventsInput> = {}) {
  return scoreEvents({ model, state: { value: 0, asOf: T0 }, events, recentLedger: [], now: at(30), ...extra });
}

const pointsOf = (result: ReturnType<typeof score>) => result.contributions.reduce((sum, c) => sum + c.points, 0);

describe('scoring events', () => {
  it('scores ten opens of one email in a day only three times', () => {
    const opens = Array.from({ length: 10 }, (_, i) => event('email_opened', at(0, i * 30), { emailId: 'welcome' }));
    const result = score(opens, { now: at(1) });
    expect(result.contributions).toHaveLength(3);
    expect(result.contributions.map((c) => c.eventId)).toEqual(opens.slice(0, 3).map((e) => e.id));
    const decayedToNow = [0, 30, 60].map((minute) => Math.pow(2, -(DAY - minute * 60_000) / (30 * DAY)));
    expect(result.state.value).toBeCloseTo(decayedToNow.reduce((a, b) => a + b), 9);
  });

  it('scores repeated newsletter signups once a week: signing up again is not a new signal', () => {
    const signups = Array.from({ length: 10 }, (_, i) => event('newsletter_subscribed', at(0, i * 60)));
    const week = score(signups, { now: at(1) });
    expect(week.contributions.map((c) => [c.eventId, c.ruleId, c.points])).toEqual([[signups[0].id, 'newsletter-subscribed', 2]]);
    // A signup a day for four weeks: one counts in each week.
    const daily = Array.from({ length: 28 }, (_, d) => event('newsletter_subscribed', at(d)));
    expect(score(daily, { now: at(28) }).contributions.map((c) => c.occurredAt)).toEqual([at(0), at(7), at(14), at(21)]);
  });

  it('caps the default rules of events a person repeats without new meaning (opens, clicks, page views, newsletter signups), within a week', () => {
    const capped = new Set(model.behaviourRules.filter((r) => r.cap).map((r) => r.eventType));
    for (const type of ['email_opened', 'email_clicked', 'page_viewed', 'newsletter_subscribed']) expect(capped.has(type)).toBe(true);
    expect(maxCapWindowMs(model)).toBe(7 * DAY);
  });

  it('scores an open again once the week-long cap window has slid past the first three', () => {
    const first = [event('email_opened', at(0)), event('email_opened', at(0, 5)), event('email_opened', at(0, 10))];
    const fourth = event('email_opened', at(8));
    const result = score([...first, fourth], { now: at(8) });
    expect(result.contributions.map((c) => c.eventId)).toEqual([...first, fourth].map((e) => e.id));
  });

  it('counts ledger rows from earlier batches against the cap', () => {
    const recentLedger: LedgerFact[] = [
      { ruleId: 'email-opened', occurredAt: at(0) },
      { ruleId: 'email-opened', occurredAt: at(1) },
      { ruleId: 'email-clicked', occurredAt: at(1) },
    ];
    const result = score([event('email_opened', at(2)), event('email_opened', at(3))], { recentLedger, now: at(3) });
    expect(result.contributions).toHaveLength(1);
    expect(result.contributions[0]!.occurredAt).toEqual(at(2));
  });

  it('ignores ledger rows of the same rule outside the window', () => {
    const recentLedger: LedgerFact[] = [0, 0.1, 0.2].map((d) => ({ ruleId: 'email-opened', occurredAt: at(d) }));
    expect(score([event('email_opened', at(7, 1))], { recentLedger }).contributions).toHaveLength(1);
    expect(score([event('email_opened', at(6))], { recentLedger }).contributions).toHaveLength(0);
  });

  it('scores events in time order whatever order they arrive in', () => {
    const opens = [3, 1, 0, 2, 4].map((hour) => event('email_opened', at(0, hour * 60)));
    const result = score(opens);
    expect(result.contributions.map((c) => c.occurredAt)).toEqual([at(0), at(0, 60), at(0, 120)]);
  });

  it('gives a pricing page view the page view point and the pricing bonus', () => {
    const result = score([event('page_viewed', at(0), { url: 'https://acme.be/en/Pricing?plan=pro' })]);
    expect(result.contributions.map((c) => [c.ruleId, c.points])).toEqual([
      ['page-viewed', 1],
      ['pricing-page-viewed', 15],
    ]);
  });

  it('takes points off for a careers page view: a job seeker is not a buyer', () => {
    const result = score([event('page_viewed', at(0), { url: 'https://acme.be/careers/developer' })]);
    expect(pointsOf(result)).toBe(1 - 10);
    expect(result.contributions.map((c) => c.ruleId)).toContain('careers-page-viewed');
  });

  it('gives a plain page view only the page view point', () => {
    expect(score([event('page_viewed', at(0), { url: 'https://acme.be/products' })]).contributions.map((c) => c.ruleId)).toEqual([
      'page-viewed',
    ]);
  });

  it('gives machine opens and clicks nothing, and no intent', () => {
    const result = score([
      event('email_opened', at(0), {}, true),
      event('email_clicked', at(0), {}, true),
      event('quote_requested', at(0), {}, true),
    ]);
    expect(result.contributions).toEqual([]);
    expect(result.state).toEqual({ value: 0, asOf: T0 });
    expect(result.highIntentEventId).toBeNull();
    expect(Object.values(result.tiers)).toEqual(['low', 'low', 'low']);
  });

  it('does not let machine clicks use up the cap of human ones', () => {
    const bots = Array.from({ length: 5 }, () => event('email_clicked', at(0), {}, true));
    const human = event('email_clicked', at(0, 1));
    expect(score([...bots, human]).contributions.map((c) => c.eventId)).toEqual([human.id]);
  });

  it('names the first human high-intent event, so the lead goes to sales at once', () => {
    const download = event('content_downloaded', at(0));
    const meeting = event('meeting_booked', at(2));
    const quote = event('quote_requested', at(1));
    const result = score([download, meeting, quote]);
    expect(result.highIntentEventId).toBe(quote.id);
    expect(result.tiers).toEqual({ [download.id]: 'medium', [meeting.id]: 'high', [quote.id]: 'high' });
  });

  it('treats event types the model does not know as low intent, scoring nothing', () => {
    const result = score([event('podcast_listened', at(0))]);
    expect(intentTierOf(model, 'podcast_listened')).toBe('low');
    expect(intentTierOf(model, 'constructor')).toBe('low');
    expect(result.contributions).toEqual([]);
    expect(result.highIntentEventId).toBeNull();
  });

  it('decays each contribution from when it happened', () => {
    const result = score([event('quote_requested', at(0)), event('content_downloaded', at(15))], { now: at(30) });
    expect(result.state.asOf).toEqual(at(30));
    expect(result.state.value).toBeCloseTo(30 * 0.5 + 10 * Math.pow(2, -0.5), 9);
    expect(scoreAt(result.state, at(60), model.halfLifeDays)).toBeCloseTo(result.state.value / 2, 9);
  });

  it('records a future-dated event as happening now', () => {
    const result = score([event('form_submitted', at(40))], { now: at(30) });
    expect(result.contributions[0]!.occurredAt).toEqual(at(30));
    expect(result.state.value).toBe(5);
  });

  it('adds to the stored score after decaying it', () => {
    const result = score([event('webinar_attended', at(30))], { state: { value: 40, asOf: at(0) }, now: at(30) });
    expect(result.state.value).toBeCloseTo(40 * 0.5 + 15, 9);
  });

  it('applies every rule an event matches, each with its own cap', () => {
    const custom: ScoringModelDefinition = {
      ...model,
      behaviourRules: [
        { id: 'demo-video', description: 'Watched the demo', eventType: 'video_watched', points: 5, cap: { max: 1, window: 'PT1H' } },
        {
          id: 'demo-video-complete',
          description: 'Watched the demo to the end',
          eventType: 'video_watched',
          where: [{ field: 'properties.percent', op: 'gte', value: 90 }],
          points: 10,
        },
      ],
    };
    const result = score([event('video_watched', at(0), { percent: '95' }), event('video_watched', at(0, 30), { percent: 100 })], {
      model: custom,
    });
    expect(result.contributions.map((c) => c.ruleId)).toEqual(['demo-video', 'demo-video-complete', 'demo-video-complete']);
  });

  it("uses each model's own rules, in the model's order, whichever models were used before", () => {
    const rules = (points: number): ScoringModelDefinition['behaviourRules'] => [
      { id: 'a-first', description: 'A', eventType: 'type_a', points },
      { id: 'b-only', description: 'B', eventType: 'type_b', points: points * 2 },
      { id: 'a-second', description: 'A again', eventType: 'type_a', points: points * 3, cap: { max: 1, window: 'PT1H' } },
    ];
    const one: ScoringModelDefinition = { ...model, behaviourRules: rules(1) };
    const two: ScoringModelDefinition = { ...model, behaviourRules: rules(10) };
    const events = [event('type_a', at(0)), event('type_b', at(0, 1)), event('type_a', at(0, 2))];
    const run = (m: ScoringModelDefinition) => score(events, { model: m }).contributions.map((c) => `${c.ruleId}:${c.points}`);
    const expected = (p: number) => [`a-first:${p}`, `a-second:${p * 3}`, `b-only:${p * 2}`, `a-first:${p}`];
    expect(run(one)).toEqual(expected(1));
    expect(run(two)).toEqual(expected(10));
    expect(run(one)).toEqual(expected(1));
    expect(run(model)).toEqual([]);
  });

  describe('caps whatever order events arrive in', () => {
    const oncePerDay: ScoringModelDefinition = {
      ...model,
      behaviourRules: [{ id: 'open', description: 'Opened', eventType: 'email_opened', points: 1, cap: { max: 1, window: 'P1D' } }],
    };
    /** Scores each batch in turn, as the service does: the ledger of the earlier batches is read back for the next. */
    function scoreBatches(m: ScoringModelDefinition, batches: EventFacts[][]): LedgerFact[] {
      const ledger: LedgerFact[] = [];
      let state = { value: 0, asOf: T0 };
      for (const events of batches) {
        const result = scoreEvents({ model: m, state, events, recentLedger: [...ledger], now: at(30) });
        ledger.push(...result.contributions.map((c) => ({ ruleId: c.ruleId, occurredAt: c.occurredAt })));
        state = result.state;
      }
      return ledger;
    }

    it('scores an open that arrives after a later one of the same day not at all', () => {
      // Latest first, each in a batch of its own: the late ones fall in the day window of the first one scored.
      const opens = [120, 60, 0].map((minute) => [event('email_opened', at(0, minute))]);
      expect(scoreBatches(oncePerDay, opens)).toEqual([{ ruleId: 'open', occurredAt: at(0, 120) }]);
    });

    it('still scores a late open whose every window is below the cap', () => {
      const ledger = scoreBatches(oncePerDay, [[event('email_opened', at(2))], [event('email_opened', at(0))]]);
      expect(ledger.map((l) => l.occurredAt)).toEqual([at(2), at(0)]);
    });

    it('never lets a window of the cap length hold more than the cap, however events are batched and ordered', () => {
      const threePerDay: ScoringModelDefinition = {
        ...model,
        behaviourRules: [{ id: 'open', description: 'Opened', eventType: 'email_opened', points: 1, cap: { max: 3, window: 'P1D' } }],
      };
      fc.assert(
        fc.property(
          fc.array(fc.record({ minute: fc.integer({ min: 0, max: 4 * 24 * 60 }), batch: fc.integer({ min: 0, max: 5 }) }), { maxLength: 40 }),
          fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 6, maxLength: 6 }),
          (opens, order) => {
            const batches: EventFacts[][] = [[], [], [], [], [], []];
            for (const o of opens) batches[o.batch]!.push(event('email_opened', at(0, o.minute)));
            const ledger = scoreBatches(threePerDay, [...new Set([...order, 0, 1, 2, 3, 4, 5])].map((i) => batches[i]!));
            const times = ledger.map((l) => l.occurredAt.getTime());
            // The fullest window of a day ends at one of the contributions.
            for (const end of times) expect(times.filter((t) => t > end - DAY && t <= end).length).toBeLessThanOrEqual(3);
            // And a cap only ever holds points back: every day with an open scores at least one.
            for (const o of opens) expect(times.some((t) => Math.abs(t - at(0, o.minute).getTime()) < DAY)).toBe(true);
          },
        ),
      );
    });
  });

  it('tells the caller how far back to load ledger rows: the longest cap window', () => {
    expect(maxCapWindowMs(model)).toBe(7 * DAY);
    expect(maxCapWindowMs({ ...model, behaviourRules: [] })).toBe(0);
  });
});

describe('scoring events: historical events and recycled leads', () => {
  it('scores a historical quote request (decayed by its age) but does not take it as high intent', () => {
    const imported = { ...event('quote_requested', at(-400)), historical: true };
    const result = score([imported]);
    expect(result.contributions.map((c) => c.ruleId)).toEqual(['quote-requested']);
    expect(result.state.value).toBeCloseTo(30 * Math.pow(2, -430 / 30), 9);
    expect(result.highIntentEventId).toBeNull();
    const live = event('meeting_booked', at(29));
    expect(score([imported, live]).highIntentEventId).toBe(live.id);
  });

  it("adds to a recycled lead's earned-since only events from after it was recycled, decaying alongside its engagement", () => {
    const recycled = { at: at(10), earned: 4 };
    const before = event('content_downloaded', at(9));
    const after = event('content_downloaded', at(20));
    const quoteBefore = event('quote_requested', at(9, 30));
    const result = score([before, after, quoteBefore], { state: { value: 100, asOf: at(10) }, recycled });
    expect(result.contributions).toHaveLength(3); // all of them score
    expect(result.highIntentEventId).toBeNull(); // the quote is from before: sales knew of it
    const h = model.halfLifeDays;
    expect(result.recycledEarned).toBeCloseTo(scoreAt({ value: 4, asOf: at(10) }, at(30), h) + 10 * Math.pow(2, -10 / h), 9);
    expect(result.state.asOf).toEqual(at(30));
    expect(score([after], { recycled }).recycledEarned).toBeGreaterThan(0);
    expect(score([after]).recycledEarned).toBeNull();
  });

  it('never counts more earned since recycling than the engagement gained with it, whatever the half-life (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('content_downloaded', 'page_viewed', 'webinar_attended'), fc.integer({ min: 0, max: 29 * 24 })), { maxLength: 8 }),
        fc.integer({ min: 0, max: 29 * 24 }),
        fc.integer({ min: 1, max: 365 }),
        (events, recycledHour, halfLifeDays) => {
          const facts = events.map(([type, hour]) => event(type, at(0, hour * 60)));
          const m = { ...model, halfLifeDays };
          const result = scoreEvents({ model: m, state: { value: 80, asOf: T0 }, events: facts, recentLedger: [], now: at(30), recycled: { at: at(0, recycledHour * 60), earned: 0 } });
          const gained = result.state.value - scoreAt({ value: 80, asOf: T0 }, result.state.asOf, halfLifeDays);
          return result.recycledEarned! >= 0 && result.recycledEarned! <= gained + 1e-9;
        },
      ),
    );
  });
});
