import { HANDOFF_CLOSE_REASONS, HANDOFF_STATUSES, OUTCOMES, REJECT_REASONS } from '../handoffs/domain/index.js';
import { HANDOFF_PRIORITIES } from '../programs/domain/program-definition.js';
import { arr, bool, enumOf, int, nnum, nstr, ntime, num, nuuid, o, obj, orNull, page, str, time, uuid, type Schema } from './schema-kit.js';

/** What happened to a hand-off after it was made (its breaches and sales' answer): the API's view and the GDPR export share it. */
export const HANDOFF_COURSE: Record<string, Schema> = {
  breachedAt: ntime,
  breachCount: int,
  respondedAt: {
    ...ntime,
    description:
      'When sales answered (accept or reject through the sales API): what SLA compliance and the median response time count. ' +
      'Null while unanswered, and for a hand-off the system closed instead (see closedAt)',
  },
  respondedBy: { ...nstr, description: 'Who in sales answered; null with respondedAt' },
  note: nstr,
  rejectReason: enumOf(REJECT_REASONS, { nullable: true }),
  outcomeAt: ntime,
  value: nnum,
  currency: nstr,
  closedAt: {
    ...ntime,
    description:
      'When the system closed the hand-off while it waited for sales (announced as `handoff.closed`); null when it did not: ' +
      'still open, or closed by sales\' own answer. A close is not a sales answer: respondedAt stays null, and SLA compliance ' +
      'counts the hand-off as missed when it was closed after slaDueAt, and not at all when closed before',
  },
  closeReason: enumOf(HANDOFF_CLOSE_REASONS, {
    nullable: true,
    description:
      'Why the system closed it: `went_cold` (the lead went cold; status expired), `disqualified` or `customer` (the lead was set to that ' +
      'stage by hand; status rejected), `erased` (the lead was erased; status rejected); null with closedAt',
  }),
  closedBy: {
    ...nstr,
    description: 'Who closed it: `system` (went_cold), the API key that set the stage, or `gdpr-erasure`; null with closedAt',
  },
};

/**
 * The lead's picture that sales get (handoff.types.ts leadPicture): profile, source and channel, BANT answers, score
 * with its reasons, recent timeline. A hand-off carries it, and so does the data of a `lead.mql` webhook.
 */
export const LEAD_PICTURE: Record<string, Schema> = {
  lead: { type: 'object', nullable: true, description: 'The lead when the picture was taken; null once erased', additionalProperties: true },
  source: obj,
  channel: nstr,
  qualification: { ...obj, description: 'BANT answers as the lead gave them (need, timeline, budget, authority)' },
  score: orNull(
    o({
      engagementScore: num,
      fitScore: num,
      mqlRule: o({ met: bool, missing: arr(str) }),
      reasons: arr(o({ description: str, points: num, currentPoints: num, at: time, eventId: nuuid })),
    }),
  ),
  timeline: { ...arr(o({ kind: str, at: time, data: obj })), description: 'The most recent items, oldest first' },
  snapshotAt: ntime,
};

/** Hand-offs to sales and the sales team (handoffs.service, handoff-snapshot.service, sales-reps.service). */
export const SALES_SCHEMAS: Record<string, Schema> = {
  Handoff: o({
    id: uuid,
    leadId: uuid,
    status: enumOf(HANDOFF_STATUSES, {
      description:
        '`pending` until sales answer; `accepted`, `opportunity`, `won`, `lost` and `rejected` follow their answers: once sales report an ' +
        'outcome on an accepted hand-off its status becomes the outcome\'s name (read `outcome` rather than the status to learn it; ' +
        '`GET /handoffs?status=accepted` lists accepted hand-offs whatever their outcome). `expired`: sales never took it up ' +
        'and the lead went cold (no live human engagement for MQL_COLD_AFTER_DAYS since it became MQL or last engaged), so the system recycled the lead ' +
        '(stage change by `system`, reason `went_cold`); like rejected it takes no answer (409), and the lead gets a new hand-off when it qualifies again. ' +
        'A missed SLA is not a status: see slaBreached.',
    }),
    outcome: enumOf(OUTCOMES, {
      nullable: true,
      description:
        'The outcome sales reported on the accepted hand-off (POST /handoffs/{id}/outcome): `opportunity`, then `won` or `lost` (or one of ' +
        'those straight away); null while none is reported, and for a hand-off never accepted. When: outcomeAt; a deal\'s value: value, currency',
    }),
    priority: enumOf(HANDOFF_PRIORITIES),
    reason: str,
    trigger: o({ eventId: nuuid, eventType: nstr, programId: nuuid, enrollmentId: nuuid, stepId: nstr }),
    ownerId: nuuid,
    owner: orNull(o({ id: uuid, name: str, email: str })),
    assignedAt: ntime,
    slaDueAt: time,
    slaBreached: {
      ...bool,
      description:
        'Whether the SLA was missed, whatever the status: flagged by the SLA watch, answered by sales after slaDueAt, closed by the ' +
        'system without an answer (closedAt) after slaDueAt, or still pending with slaDueAt passed — as analytics counts SLA compliance ' +
        '(a hand-off closed before slaDueAt was not missed; one given to a new owner reads by its fresh deadline, while analytics keeps ' +
        'counting an earlier miss)',
    },
    ...HANDOFF_COURSE,
    createdAt: time,
    updatedAt: time,
    ...LEAD_PICTURE,
  }),
  HandoffPage: page('Handoff'),
  SalesRep: o({
    id: uuid,
    name: str,
    email: { type: 'string', format: 'email' },
    active: bool,
    locales: { ...arr(str), example: ['nl', 'fr-BE'], description: 'Languages or locales the rep serves first (a lead without a locale counts as DEFAULT_LOCALE)' },
    regions: {
      ...arr({ type: 'string', pattern: '^[A-Z]{2}$' }),
      example: ['BE', 'LU'],
      description:
        "The rep's territory: upper-case ISO 3166-1 alpha-2 countries. A lead whose attributes.country is one of them goes to the reps " +
        'of that territory first (then by language among them); a lead no territory covers, or without a country, goes to the reps ' +
        'without a territory ([]), and only when there are none to everyone',
    },
    weight: {
      type: 'integer',
      minimum: 0,
      maximum: 100,
      description: 'Relative share of new hand-offs; 0 takes no new ones by round robin or SLA reassignment, but keeps its hand-offs and can be given one by reassign with ownerId',
    },
    assigned: { ...int, description: 'Hand-offs assigned in the current round-robin cycle' },
    createdAt: time,
    updatedAt: time,
  }),
  SalesRepPage: page('SalesRep'),
};
