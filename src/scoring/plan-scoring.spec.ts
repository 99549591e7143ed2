import fc from 'fast-check';
import { DEFAULT_SCORING_MODEL, intentTierOf, type LedgerFact, type ScoringModelDefinition } from './domain/index.js';
import { FREE_MAIL_FIT, scoredLead as lead } from './scored-lead.fixture.js';
import { planScoring, type ScoredLead, type StoredEvent } from './scoring-plan.js';

const NOW = new Date('2026-03-02T10:00:00Z');
const model = DEFAULT_SCORING_MODEL;

let seq = 0;
function event(type: string, minutesAgo = 1): StoredEvent {
  seq += 1;
  return { id: `evt-${seq}`, lead_id: 'lead-1', type, occurred_at: new Date(NOW.getTime() - minutesAgo * 60_000), properties: {}, machine: false };
}

/** Three opens already scored this week: a fourth earns nothing (the default cap). */
const capped = new Map([['lead-1', [1, 2, 3].map((h) => ({ ruleId: 'email-opened', occurredAt: new Date(NOW.getTime() - h * 3_600_000) }))]]);

describe('planning a scoring batch', () => {
  it('leaves a lead alone when nothing of it changes: no points earned, same fit rules, same model version', () => {
    const plan = planScoring(model, [lead()], [event('email_opened')], capped, NOW, 1);
    expect(plan.updates).toEqual([]);
    expect(plan.ledgerRows).toEqual([]);
    expect(plan.activities).toHaveLength(1); // programs still hear of the open
    expect(plan.activities[0].events.map((e) => e.type)).toEqual(['email_opened']);
  });

  it('writes the new engagement but not the unchanged fit when points are earned', () => {
    const plan = planScoring(model, [lead()], [event('email_opened')], new Map(), NOW, 1);
    expect(plan.ledgerRows.map((r) => [r.ruleId, r.points])).toEqual([['email-opened', 1]]);
    expect(plan.updates).toHaveLength(1);
    expect(plan.updates[0]).not.toHaveProperty('fit');
    expect(plan.updates[0]).not.toHaveProperty('fitContributions');
    expect(plan.updates[0].engagement).toBeGreaterThan(4);
  });

  it('writes the fit when the model version changed, even when no points are earned', () => {
    const plan = planScoring(model, [lead()], [event('email_opened')], capped, NOW, 2);
    expect(plan.updates).toEqual([
      { id: 'lead-1', engagement: 4, asOf: new Date('2026-03-01T10:00:00Z'), fit: -10, fitContributions: FREE_MAIL_FIT },
    ]);
  });

  it('writes the fit when other rules are met than the stored ones', () => {
    const company = planScoring(model, [lead({ email: 'an@bakkerij.be' })], [event('email_opened')], capped, NOW, 1);
    expect(company.updates).toEqual([expect.objectContaining({ fit: 0, fitContributions: [] })]);
    const student = planScoring(model, [lead({ job_title: 'Student' })], [event('email_opened')], capped, NOW, 1);
    expect(student.updates[0].fitContributions).toEqual([
      { ruleId: 'student', description: 'Job title says student', points: -20 },
      ...FREE_MAIL_FIT,
    ]);
  });

  it('writes the fit when the stored fit is unknown or was never computed', () => {
    for (const stored of [{ fit_contributions: undefined }, { fit_model_version: null }, { fit_model_version: undefined }]) {
      const plan = planScoring(model, [lead(stored)], [event('email_opened')], capped, NOW, 1);
      expect(plan.updates).toEqual([expect.objectContaining({ fit: -10, fitContributions: FREE_MAIL_FIT })]);
    }
  });

  it('always writes the fit when the caller does not name the model version', () => {
    const plan = planScoring(model, [lead()], [event('email_opened')], capped, NOW);
    expect(plan.updates).toEqual([expect.objectContaining({ fit: -10, fitContributions: FREE_MAIL_FIT })]);
  });

  it('compares the rules met in order, so a reordered model version is written again', () => {
    const reordered: ScoringModelDefinition = { ...model, fitRules: [...model.fitRules].reverse() };
    const stored = [{ ruleId: 'student', description: 'x', points: -20 }, ...FREE_MAIL_FIT];
    const plan = planScoring(reordered, [lead({ job_title: 'Student', fit_contributions: stored })], [event('email_opened')], capped, NOW, 1);
    expect(plan.updates[0].fitContributions).toEqual([FREE_MAIL_FIT[0], { ruleId: 'student', description: 'Job title says student', points: -20 }]);
  });
});

describe('planning a scoring batch: recycled leads and historical events', () => {
  const HOUR = 3_600_000;
  const WINDOW = 24 * HOUR;
  const qualified = { need: 'nieuwe website', timeline: 'Q2', budget: '10k' };
  /** Sales sent this lead back a day ago, when it stood at 120 points, all of them from before. */
  const recycledAt = new Date(NOW.getTime() - 24 * HOUR);
  const recycled = (overrides: Partial<ScoredLead> = {}) =>
    lead({ stage: 'recycled', qualification: qualified, engagement_score: 120, engagement_as_of: recycledAt, recycled_at: recycledAt, recycled_engagement: 0, ...overrides });
  const at = (e: StoredEvent, occurredAt: Date, receivedAt?: Date): StoredEvent => ({ ...e, occurred_at: occurredAt, ...(receivedAt && { received_at: receivedAt }) });

  it('does not promote a recycled lead again on the score it had when sales rejected it: a 0-point event changes nothing', () => {
    const plan = planScoring(model, [recycled()], [event('custom_signal')], new Map(), NOW, 1, WINDOW);
    expect(plan.changes).toEqual([]);
    const opened = planScoring(model, [recycled()], [event('email_opened')], new Map(), NOW, 1, WINDOW);
    expect(opened.changes).toEqual([]);
    expect(opened.updates[0].recycled).toBeCloseTo(1, 3); // the open earned since
    expect(opened.updates[0].engagement).toBeGreaterThan(100);
  });

  it('promotes a recycled lead on engagement earned since it was recycled, or on a new high-intent event', () => {
    const downloads = Array.from({ length: 6 }, () => event('content_downloaded'));
    const earned = planScoring(model, [recycled()], downloads, new Map(), NOW, 1, WINDOW);
    expect(earned.changes).toEqual([expect.objectContaining({ from: 'recycled', to: 'mql', reason: 'mql_rule' })]);
    expect(earned.updates[0].recycled).toBeCloseTo(60, 2);
    // Earned since before this batch counts too (stored as of the engagement's moment, decaying alike).
    const more = planScoring(model, [recycled({ recycled_engagement: 45 })], [event('content_downloaded')], new Map(), NOW, 1, WINDOW);
    expect(more.changes).toEqual([expect.objectContaining({ to: 'mql', reason: 'mql_rule' })]);
    const quote = event('quote_requested');
    const asked = planScoring(model, [recycled({ qualification: {} })], [quote], new Map(), NOW, 1, WINDOW);
    expect(asked.changes).toEqual([expect.objectContaining({ to: 'mql', reason: 'high_intent_event', eventId: quote.id })]);
  });

  it('takes events that occurred before the lead was recycled as no new evidence, even when scored after', () => {
    const before = new Date(recycledAt.getTime() - HOUR);
    const downloads = Array.from({ length: 5 }, () => at(event('content_downloaded'), before));
    const plan = planScoring(model, [recycled()], [...downloads, at(event('meeting_booked'), before)], new Map(), NOW, 1, WINDOW);
    expect(plan.changes).toEqual([]);
    expect(plan.updates[0].recycled).toBe(0);
    expect(plan.ledgerRows).toHaveLength(6); // they still score
  });

  it('leaves what a lead earned since it was recycled alone once it is no longer recycled', () => {
    const plan = planScoring(model, [lead({ recycled_at: recycledAt, recycled_engagement: 3 })], [event('content_downloaded')], new Map(), NOW, 1, WINDOW);
    expect(plan.updates[0]).not.toHaveProperty('recycled');
  });

  it('scores a historical high-intent event (occurred long before it was received) without promoting or escalating at once', () => {
    const imported = at(event('quote_requested'), new Date('2024-05-01T10:00:00Z'));
    const plan = planScoring(model, [lead()], [imported], new Map(), NOW, 1, WINDOW);
    expect(plan.changes).toEqual([]);
    expect(plan.ledgerRows.map((r) => r.ruleId)).toEqual(['quote-requested']);
    expect(plan.activities[0].events).toEqual([expect.objectContaining({ id: imported.id, historical: true })]);
    const mql = planScoring(model, [lead({ stage: 'mql' })], [imported], new Map(), NOW, 1, WINDOW);
    expect(mql.escalations).toEqual([]);
  });

  it('judges an event live by when it was received, not when it is scored: a click scored two days late is still live', () => {
    const twoDaysAgo = new Date(NOW.getTime() - 48 * HOUR);
    const late = at(event('quote_requested'), twoDaysAgo, twoDaysAgo);
    const plan = planScoring(model, [lead()], [late], new Map(), NOW, 1, WINDOW);
    expect(plan.changes).toEqual([expect.objectContaining({ to: 'mql', reason: 'high_intent_event' })]);
    expect(plan.activities[0].events[0]).not.toHaveProperty('historical');
    const justInside = at(event('quote_requested'), new Date(NOW.getTime() - WINDOW));
    expect(planScoring(model, [lead()], [justInside], new Map(), NOW, 1, WINDOW).changes).toHaveLength(1);
  });
});

describe('planning a scoring batch: subscribers', () => {
  const qualified = { need: 'nieuwe website', timeline: 'Q2', budget: '10k', authority: 'decision_maker' };
  const subscriber = (overrides: Partial<ScoredLead> = {}) => lead({ stage: 'subscriber', qualification: qualified, engagement_score: 200, engagement_as_of: NOW, ...overrides });

  it('keeps a subscriber with the score and answers a subscriber on newsletter-level events, and promotes it at once on a quote request', () => {
    const plan = planScoring(model, [subscriber()], [event('newsletter_subscribed'), event('page_viewed'), event('email_clicked')], new Map(), NOW, 1);
    expect(plan.changes).toEqual([]);
    expect(plan.activities[0].stageAfter).toBe('subscriber');
    const quote = event('quote_requested');
    const asked = planScoring(model, [subscriber({ qualification: {}, engagement_score: 0 })], [quote], new Map(), NOW, 1);
    expect(asked.changes).toEqual([expect.objectContaining({ from: 'subscriber', to: 'mql', reason: 'high_intent_event', eventId: quote.id })]);
  });

  it('makes a subscriber who downloads a guide a lead, and then, with the score and answers, an MQL: both moves recorded', () => {
    const download = event('content_downloaded');
    const plan = planScoring(model, [subscriber()], [download], new Map(), NOW, 1);
    expect(plan.changes).toEqual([
      expect.objectContaining({ from: 'subscriber', to: 'lead', reason: 'showed_interest', eventId: download.id }),
      expect.objectContaining({ from: 'lead', to: 'mql', reason: 'mql_rule', eventId: null }),
    ]);
    expect(plan.activities[0]).toMatchObject({ stageBefore: 'subscriber', stageAfter: 'mql' });
    const cold = planScoring(model, [subscriber({ engagement_score: 0 })], [event('content_downloaded')], new Map(), NOW, 1);
    expect(cold.changes).toEqual([expect.objectContaining({ from: 'subscriber', to: 'lead' })]);
  });

  it('never makes a subscriber an MQL through any sequence of low-intent events, whatever its score, answers and MQL rule (property)', () => {
    const lowTypes = ['newsletter_subscribed', 'page_viewed', 'blog_read', 'social_engaged', 'email_opened', 'email_clicked', 'custom_signal'];
    expect(lowTypes.every((type) => intentTierOf(model, type) === 'low')).toBe(true);
    const anyType = [...lowTypes, 'content_downloaded', 'webinar_attended', 'form_submitted', 'quote_requested', 'meeting_booked', 'contact_requested'];
    // A human low-intent event, or a machine one of any type (a link scanner or privacy proxy shows no intent).
    const lowEvent = fc.oneof(
      fc.record({ type: fc.constantFrom(...lowTypes), machine: fc.constant(false) }),
      fc.record({ type: fc.constantFrom(...anyType), machine: fc.constant(true) }),
    );
    const arbitraryEvent = fc.record({
      kind: lowEvent,
      url: fc.constantFrom('https://example.be/pricing', 'https://example.be/blog/x', 'https://example.be/careers'),
      minutesAgo: fc.integer({ min: 0, max: 3 * 24 * 60 }),
    });
    const batches = fc.array(fc.record({ events: fc.array(arbitraryEvent, { minLength: 1, maxLength: 30 }), hoursLater: fc.integer({ min: 0, max: 24 * 30 }) }), {
      minLength: 1,
      maxLength: 8,
    });
    fc.assert(
      fc.property(
        batches,
        fc.double({ min: 0, max: 500, noNaN: true }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 4 }),
        fc.subarray(['need', 'timeline', 'budget', 'authority']),
        (batches, engagement, threshold, minKnown, known) => {
          const rules: ScoringModelDefinition = { ...model, mql: { ...model.mql, engagementThreshold: threshold, minQualificationKnown: minKnown } };
          let state: ScoredLead = subscriber({ engagement_score: engagement, qualification: Object.fromEntries(known.map((k) => [k, 'yes'])) });
          const recent = new Map<string, LedgerFact[]>([['lead-1', []]]);
          let now = NOW;
          let n = 0;
          for (const batch of batches) {
            now = new Date(now.getTime() + batch.hoursLater * 3_600_000);
            const events: StoredEvent[] = batch.events.map((e) => ({
              id: `low-${++n}`,
              lead_id: 'lead-1',
              type: e.kind.type,
              occurred_at: new Date(now.getTime() - e.minutesAgo * 60_000),
              properties: { url: e.url },
              machine: e.kind.machine,
            }));
            const plan = planScoring(rules, [state], events, recent, now, 1);
            if (plan.changes.length || plan.activities[0].stageAfter !== 'subscriber') return false;
            recent.get('lead-1')!.push(...plan.ledgerRows.map((r) => ({ ruleId: r.ruleId, occurredAt: r.occurredAt })));
            const update = plan.updates[0];
            if (update) state = { ...state, engagement_score: update.engagement, engagement_as_of: update.asOf };
          }
          return true;
        },
      ),
    );
  });
});
