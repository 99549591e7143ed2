/**
 * The scoring model: its types, the defaults a fresh installation starts with, and validation of
 * a model a marketer submits. Every number here is configuration.
 */
import type { ScoringModelDefinition } from './scoring-model.types.js';

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
