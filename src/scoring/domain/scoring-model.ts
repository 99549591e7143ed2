/**
 * The scoring model: its types, the defaults a fresh installation starts with, and validation of
 * a model a marketer submits. Every number here is configuration.
 */
import type { FitRule, ScoringModelDefinition } from './scoring-model.types.js';

export * from './scoring-model.types.js';
export { validateScoringModel, type ScoringModelValidation } from './validate-scoring-model.js';

/** Webmail and consumer ISP domains: a B2B lead using one is a weaker fit. */
const FREE_MAIL_DOMAINS = [
  'gmail.com',
  'googlemail.com',
  'hotmail.com',
  'hotmail.be',
  'hotmail.nl',
  'outlook.com',
  'outlook.be',
  'outlook.nl',
  'live.com',
  'live.be',
  'live.nl',
  'msn.com',
  'yahoo.com',
  'icloud.com',
  'me.com',
  'aol.com',
  'gmx.com',
  'proton.me',
  'protonmail.com',
  'telenet.be',
  'skynet.be',
  'ziggo.nl',
  'kpnmail.nl',
  'planet.nl',
  'home.nl',
];

/** The sender's market (the starters and locales are Belgian): ISO 3166-1 alpha-2, as hand-off territories use them. */
const HOME_MARKET_COUNTRIES = ['BE', 'NL', 'LU'];

/**
 * A fit rule for one BANT question answered, `known` as the MQL rule counts it: fit rules see only known answers
 * (knownAnswers, by isKnownAnswer), so `exists` alone decides. The `notEquals` "unknown" is redundant now; it stays
 * so this default is the model installations already store as version 1, and it reads as what the rule means.
 */
function knownAnswerRule(field: 'need' | 'budget' | 'timeline', description: string): FitRule {
  return {
    id: `${field}-known`,
    description,
    where: [
      { field: `qualification.${field}`, op: 'exists' },
      { field: `qualification.${field}`, op: 'notEquals', value: 'unknown' },
    ],
    points: 5,
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * The model a fresh installation starts with (PRODUCT.md: Scoring, Intent tiers). Frozen: copy it to change it.
 * It is stored as version 1 at start-up when no version exists (ScoringModelService.onModuleInit), so a change here
 * reaches new installations only: an installation's stored versions are its history and are never rewritten, and
 * one already running changes its model by publishing a new version (PUT /api/v1/scoring-model).
 */
export const DEFAULT_SCORING_MODEL: ScoringModelDefinition = deepFreeze<ScoringModelDefinition>({
  halfLifeDays: 30,
  behaviourRules: [
    { id: 'email-opened', description: 'Opened an email', eventType: 'email_opened', points: 1, cap: { max: 3, window: 'P7D' } },
    { id: 'email-clicked', description: 'Clicked a link in an email', eventType: 'email_clicked', points: 3, cap: { max: 5, window: 'P7D' } },
    { id: 'page-viewed', description: 'Viewed a page', eventType: 'page_viewed', points: 1, cap: { max: 10, window: 'P1D' } },
    {
      id: 'pricing-page-viewed',
      description: 'Viewed the pricing page',
      eventType: 'page_viewed',
      where: [{ field: 'properties.url', op: 'matches', value: '*/pricing*' }],
      points: 15,
      cap: { max: 1, window: 'P7D' },
    },
    {
      id: 'careers-page-viewed',
      description: 'Viewed the careers page (job seeker, not a buyer)',
      eventType: 'page_viewed',
      where: [{ field: 'properties.url', op: 'matches', value: '*/careers*' }],
      points: -10,
      cap: { max: 1, window: 'P7D' },
    },
    { id: 'content-downloaded', description: 'Downloaded content', eventType: 'content_downloaded', points: 10 },
    { id: 'webinar-attended', description: 'Attended a webinar', eventType: 'webinar_attended', points: 15 },
    { id: 'form-submitted', description: 'Submitted a form', eventType: 'form_submitted', points: 5 },
    // Signing up again is the same signal, not a new one: at most one signup a week counts. The window stays within
    // the longest cap window (7 days), which is how far back the scorer reads the ledger for every capped rule.
    {
      id: 'newsletter-subscribed',
      description: 'Subscribed to the newsletter',
      eventType: 'newsletter_subscribed',
      points: 2,
      cap: { max: 1, window: 'P7D' },
    },
    { id: 'quote-requested', description: 'Requested a quote', eventType: 'quote_requested', points: 30 },
    { id: 'meeting-booked', description: 'Booked a meeting', eventType: 'meeting_booked', points: 30 },
    { id: 'contact-requested', description: 'Asked to be contacted', eventType: 'contact_requested', points: 25 },
  ],
  fitRules: [
    {
      id: 'decision-maker',
      description: 'Is the decision-maker',
      where: [{ field: 'qualification.authority', op: 'equals', value: 'decision_maker' }],
      points: 15,
    },
    {
      id: 'ten-or-more-employees',
      description: 'Company has 10 or more employees',
      where: [{ field: 'attributes.employees', op: 'gte', value: 10 }],
      points: 10,
    },
    {
      id: 'competitor',
      description: 'Works for a competitor',
      where: [{ field: 'attributes.competitor', op: 'equals', value: true }],
      points: -50,
    },
    {
      id: 'student',
      description: 'Job title says student',
      where: [{ field: 'jobTitle', op: 'contains', value: 'student' }],
      points: -20,
    },
    {
      id: 'free-mail',
      description: 'Uses a free email address, not a company one',
      where: [{ field: 'emailDomain', op: 'in', value: FREE_MAIL_DOMAINS }],
      points: -10,
    },
    // Rules added to the default go last, so earlier rules keep their places (fitRules[i]) from one default to the next.
    // Points, relative to each other: the one BANT answer the model can judge (authority is decision_maker) weighs 15;
    // a need, budget or timeline answer weighs 5 because the rule only knows it was given, not whether it is a good one
    // (a budget may be "none", a timeline "next year"), so the three together weigh as much as a decision-maker. Who the
    // company is (10 or more employees, in the sender's market) weighs 10 each; the negatives (−10 to −50) are as before.
    knownAnswerRule('need', 'Told us their need'),
    knownAnswerRule('budget', 'Told us their budget'),
    knownAnswerRule('timeline', 'Told us their timeline'),
    {
      id: 'home-market',
      description: 'Based in Belgium, the Netherlands or Luxembourg',
      // `country` is attributes.country trimmed; `in` ignores case, so `be` and ` BE ` count as hand-off territories read them.
      where: [{ field: 'country', op: 'in', value: [...HOME_MARKET_COUNTRIES] }],
      points: 10,
    },
    // Competitors by email domain: the condition language has no way to say "in a list that may be empty" (`in` must
    // list at least one value), so competitors are flagged on the lead (`attributes.competitor: true`); an installation
    // that knows its competitors' domains adds a rule `emailDomain` `in` [...] by publishing a model.
  ],
  intentTiers: {
    quote_requested: 'high',
    meeting_booked: 'high',
    contact_requested: 'high',
    content_downloaded: 'medium',
    webinar_attended: 'medium',
    calculator_used: 'medium',
    form_submitted: 'medium',
    newsletter_subscribed: 'low',
    social_engaged: 'low',
    page_viewed: 'low',
    blog_read: 'low',
  },
  mql: {
    engagementThreshold: 50,
    minQualificationKnown: 2,
    qualificationFields: ['need', 'timeline', 'budget', 'authority'],
    minFitScore: null,
  },
});
