import { LAWFUL_BASES, LEAD_CONSENT_STATUSES } from '../leads/lead.types.js';
import { STAGES } from '../scoring/domain/lifecycle.js';
import { SUPPRESSION_REASONS } from '../suppression/suppression.types.js';
import { arr, bool, enumOf, int, nstr, ntime, num, nuuid, o, obj, page, str, time, uuid, type Schema } from './schema-kit.js';

/** Leads, what they did and their scores (leads.service, events, score-explain.service). */
export const LEADS_SCHEMAS: Record<string, Schema> = {
  Lead: o({
    id: uuid,
    email: { type: 'string', format: 'email' },
    firstName: nstr,
    lastName: nstr,
    company: nstr,
    jobTitle: nstr,
    phone: nstr,
    locale: nstr,
    timezone: nstr,
    stage: enumOf(STAGES),
    source: { type: 'object', description: 'First touch: channel, campaign, utm ({} when unknown)', additionalProperties: true },
    consent: o({ status: enumOf(LEAD_CONSENT_STATUSES), basis: enumOf(LAWFUL_BASES, { nullable: true }), text: nstr, source: nstr, capturedAt: ntime }),
    mailable: { ...bool, description: 'A nurture email may be sent to the lead now' },
    suppression: {
      ...o({
        reason: { ...enumOf([...SUPPRESSION_REASONS, 'no_lawful_basis']), description: 'What its enrollments exit with: a suppression-list reason, consent_withdrawn or no_lawful_basis' },
        since: { ...ntime, description: "When the address was listed or consent withdrawn; null for no_lawful_basis" },
      }),
      nullable: true,
      description:
        'Why the lead may not be mailed (null when mailable). An unsubscribe is lifted by a fresh opt-in: consent granted with basis consent and a capturedAt after it; the other entries only by DELETE /api/v1/suppressions.',
    },
    qualification: { type: 'object', description: 'need, timeline, budget, authority as given, with white space around text trimmed (by the upsert and by a program\'s update_lead step; answers stored before were trimmed on upgrade)', additionalProperties: true },
    attributes: obj,
    engagementScore: { type: 'number', description: 'After decay, rounded' },
    fitScore: num,
    mqlAt: ntime,
    createdAt: time,
    updatedAt: time,
  }),
  LeadPage: page('Lead'),
  IngestResult: o({
    accepted: int,
    duplicates: int,
    rejected: int,
    items: arr(
      o(
        {
          index: int,
          status: { type: 'string', enum: ['accepted', 'duplicate', 'rejected'] },
          eventId: { ...uuid, description: 'accepted or duplicate (the first event)' },
          leadId: { ...uuid, description: 'accepted or duplicate' },
          historical: {
            type: 'boolean',
            enum: [true],
            description: 'accepted only, when the event occurred more than EVENT_LIVE_WINDOW_HOURS before it was received: it scores but promotes nothing at once and fires no event trigger',
          },
          errors: { ...arr(o({ field: str, message: str })), description: 'rejected only (in a batch; a refused single event is a problem answer instead)' },
        },
        ['eventId', 'leadId', 'historical', 'errors'],
      ),
    ),
  }),
  LeadScore: o({
    leadId: uuid,
    stage: enumOf(STAGES),
    modelVersion: int,
    at: time,
    engagementScore: num,
    fitScore: num,
    mqlRule: {
      ...o({
        met: bool,
        missing: arr(str),
        conditions: arr(o({ id: str, met: bool, description: str, required: {}, actual: {} })),
      }),
      description:
        'The MQL rule now. For a recycled lead the engagement condition counts only the engagement earned from events since it was recycled (see recycled), ' +
        'and only a high-intent event since then promotes it at once: the score and answers that made it an MQL before are no new evidence.',
    },
    recycled: {
      ...o({ at: time, engagementSinceRecycled: { type: 'number', description: 'Engagement earned from events since `at`, after decay: what the MQL rule counts' } }),
      nullable: true,
      description: 'While the lead is recycled: when it was recycled and what it earned since (null otherwise)',
    },
    promotion: {
      ...o({ at: time, actor: str, reason: { ...str, example: 'high_intent_event', description: 'high_intent_event, mql_rule, …' }, eventId: nuuid, eventType: nstr }),
      nullable: true,
      description:
        "How the lead became an MQL (its latest promotion; null if it never was one): a high-intent event promotes at once, whether or not mqlRule is met",
    },
    contributions: arr(o({ ruleId: str, description: str, eventId: nuuid, points: num, currentPoints: { type: 'number', description: 'after decay' }, at: time, modelVersion: int })),
    fitContributions: arr(o({ ruleId: str, description: str, points: num })),
  }),
  Timeline: o({
    items: arr(
      o({
        kind: { type: 'string', example: 'event', description: 'event, email, stage_change, consent, …' },
        id: str,
        at: time,
        data: {
          ...obj,
          description:
            'For an event: type, properties, machine, points, scored, receivedAt, and historical (it occurred more than EVENT_LIVE_WINDOW_HOURS before it was received, so it did not act as if it just happened)',
        },
      }),
    ),
    nextCursor: nstr,
  }),
};
