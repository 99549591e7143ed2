/**
 * The starter programs, as a marketer would write them, around the starter templates in
 * `templates/starters/`. `t` maps a starter template name to the id of its installed template.
 */
export const STARTER_TEMPLATES = ['welcome-guide', 'quote-followup', 'quote-reminder', 'recycle-monthly'] as const;
export type StarterTemplate = (typeof STARTER_TEMPLATES)[number];

export interface StarterProgram {
  key: string;
  definition: (t: Record<StarterTemplate, string>) => Record<string, unknown>;
}

export const STARTER_PROGRAMS: StarterProgram[] = [
  {
    // After a content download: confirm, give one proof, ask one qualifying question; a click signals interest.
    key: 'welcome-and-qualify',
    definition: (t) => ({
      name: 'Welcome and qualify after a download',
      description: 'Confirms the download, shows one proof and asks when they want to start. A click on the email marks the lead as engaged and asks sales to call.',
      trigger: { type: 'event', eventType: 'content_downloaded' },
      goal: { anyOf: [{ stageAtLeast: 'mql' }, { event: 'meeting_booked' }, { event: 'quote_requested' }] },
      reenrollment: { policy: 'after', days: 90 },
      steps: [
        { id: 'welcome', type: 'email', templateId: t['welcome-guide'], next: 'await-click' },
        { id: 'await-click', type: 'wait_until', event: { type: 'email_clicked', step: 'welcome' }, timeout: 'P5D', then: 'engaged', else: 'quiet' },
        { id: 'engaged', type: 'update_lead', set: { 'attributes.nurtureInterest': 'engaged' }, next: 'call' },
        { id: 'call', type: 'handoff', priority: 'medium', next: 'done' },
        { id: 'quiet', type: 'exit', reason: 'no_response' },
        { id: 'done', type: 'exit' },
      ],
    }),
  },
  {
    // After a quote request: one follow-up, one shorter reminder with a new question, then room. Stops as soon as sales accept.
    key: 'quote-follow-up',
    definition: (t) => ({
      name: 'Quote follow-up until sales accept',
      description: 'Checks a day later whether the quote is clear and reminds once after three business days; ends when sales accept the lead.',
      trigger: { type: 'event', eventType: 'quote_requested' },
      goal: { anyOf: [{ stageAtLeast: 'sql' }] },
      reenrollment: { policy: 'after', days: 30 },
      steps: [
        { id: 'pause', type: 'wait', duration: 'P1D', businessDays: true, next: 'follow-up' },
        { id: 'follow-up', type: 'email', templateId: t['quote-followup'], next: 'give-room' },
        { id: 'give-room', type: 'wait', duration: 'P3D', businessDays: true, next: 'clicked' },
        { id: 'clicked', type: 'branch', if: { clicked: { step: 'follow-up' } }, then: 'done', else: 'reminder' },
        { id: 'reminder', type: 'email', templateId: t['quote-reminder'], next: 'done' },
        { id: 'done', type: 'exit' },
      ],
    }),
  },
  {
    // Rejected by sales: a useful tip once a month, for as long as the lead stays recycled.
    key: 'recycle-monthly',
    definition: (t) => ({
      name: 'Monthly long-term nurture for recycled leads',
      description: 'About a quarter of leads that do not buy now buy within 24 months: one practical tip a month while the lead is recycled.',
      trigger: { type: 'stage_entered', stage: 'recycled' },
      goal: { anyOf: [{ stageAtLeast: 'mql' }, { event: 'meeting_booked' }] },
      reenrollment: { policy: 'after', days: 180 },
      steps: [
        { id: 'month', type: 'wait', duration: 'P1M', next: 'still-recycled' },
        { id: 'still-recycled', type: 'branch', if: { field: 'stage', op: 'equals', value: 'recycled' }, then: 'tip', else: 'left' },
        { id: 'tip', type: 'email', templateId: t['recycle-monthly'], next: 'month' },
        { id: 'left', type: 'exit', reason: 'no_longer_recycled' },
      ],
    }),
  },
];
