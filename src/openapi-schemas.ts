import { STAGES } from './scoring/domain/lifecycle.js';

/**
 * Response schemas of the main endpoints. The controllers return plain objects, so Nest's scanner cannot
 * see their shape; they are written here by hand, from the services' return types (openapi-responses.ts
 * attaches them to the operations). Keep them in step with the services.
 */
export type Schema = Record<string, unknown>;

const str: Schema = { type: 'string' };
const nstr: Schema = { type: 'string', nullable: true };
const uuid: Schema = { type: 'string', format: 'uuid' };
const nuuid: Schema = { type: 'string', format: 'uuid', nullable: true };
const time: Schema = { type: 'string', format: 'date-time' };
const ntime: Schema = { type: 'string', format: 'date-time', nullable: true };
const int: Schema = { type: 'integer' };
const num: Schema = { type: 'number' };
const nnum: Schema = { type: 'number', nullable: true };
const bool: Schema = { type: 'boolean' };
const obj: Schema = { type: 'object', additionalProperties: true };
export const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const arr = (items: Schema): Schema => ({ type: 'array', items });
/** An object whose listed properties are all required unless named in `optional`. */
const o = (properties: Record<string, Schema>, optional: string[] = []): Schema => ({
  type: 'object',
  required: Object.keys(properties).filter((k) => !optional.includes(k)),
  properties,
});
const page = (item: string): Schema => o({ items: arr(ref(item)), nextCursor: nstr });

const rates = o({ leadToMql: nnum, mqlToSql: nnum, sqlToOpportunity: nnum, sqlToWon: nnum, leadToWon: nnum });
const comparison = o({ differencePoints: num, relativeChange: nnum, z: nnum, pValue: nnum, significant: bool });

export const RESPONSE_SCHEMAS: Record<string, Schema> = {
  Problem: o(
    {
      type: { type: 'string', example: 'urn:nurture:problem:validation' },
      title: str,
      status: int,
      detail: str,
      instance: str,
      errors: arr(o({ field: str, message: str })),
    },
    ['detail', 'instance', 'errors'],
  ),
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
    stage: { type: 'string', enum: [...STAGES] },
    source: { type: 'object', description: 'First touch: channel, campaign, utm ({} when unknown)', additionalProperties: true },
    consent: o({ status: { type: 'string', enum: ['granted', 'withdrawn', 'unknown'] }, basis: { type: 'string', enum: ['consent', 'legitimate_interest'], nullable: true }, text: nstr, source: nstr, capturedAt: ntime }),
    qualification: { type: 'object', description: 'need, timeline, budget, authority as given', additionalProperties: true },
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
          errors: { ...arr(o({ field: str, message: str })), description: 'rejected only' },
        },
        ['eventId', 'leadId', 'errors'],
      ),
    ),
  }),
  LeadScore: o({
    leadId: uuid,
    stage: { type: 'string', enum: [...STAGES] },
    modelVersion: int,
    at: time,
    engagementScore: num,
    fitScore: num,
    mqlRule: o({
      met: bool,
      missing: arr(str),
      conditions: arr(o({ id: str, met: bool, description: str, required: {}, actual: {} })),
    }),
    contributions: arr(o({ ruleId: str, description: str, eventId: nuuid, points: num, currentPoints: { type: 'number', description: 'after decay' }, at: time, modelVersion: int })),
    fitContributions: arr(o({ ruleId: str, description: str, points: num })),
  }),
  Timeline: o({
    items: arr(o({ kind: { type: 'string', example: 'event', description: 'event, email, stage_change, consent, …' }, id: str, at: time, data: obj })),
    nextCursor: nstr,
  }),
  Template: o(
    {
      id: uuid,
      name: str,
      defaultLocale: str,
      version: int,
      locales: arr(str),
      createdAt: time,
      updatedAt: time,
      variants: { type: 'object', description: 'Per locale', additionalProperties: o({ subject: str, mjml: str }) },
      versions: arr(o({ version: int, defaultLocale: str, locales: arr(str), createdAt: time, createdBy: str })),
    },
    ['variants', 'versions'],
  ),
  TemplatePage: page('Template'),
  TemplatePreview: o({ subject: str, html: str, text: str, locale: str, version: int }),
  TestSendResult: o({ messageId: uuid, status: { type: 'string', example: 'queued' } }),
  Program: o(
    {
      id: uuid,
      name: str,
      status: { type: 'string', enum: ['draft', 'active', 'paused', 'archived'] },
      currentVersion: { type: 'integer', nullable: true },
      definition: { type: 'object', description: 'The draft definition (see the request body)', additionalProperties: true },
      starter: nstr,
      createdAt: time,
      updatedAt: time,
      archivedAt: ntime,
      versions: arr(o({ version: int, publishedAt: time, publishedBy: str })),
    },
    ['versions'],
  ),
  ProgramPage: page('Program'),
  Enrollment: o({
    id: uuid,
    programId: uuid,
    programVersion: int,
    leadId: uuid,
    status: { type: 'string', enum: ['active', 'completed', 'converted', 'exited'] },
    exitReason: nstr,
    via: str,
    currentStepId: nstr,
    stepVisit: int,
    nextRunAt: ntime,
    waitingFor: { type: 'object', nullable: true, additionalProperties: true },
    variants: { type: 'object', description: 'A/B variant chosen per step', additionalProperties: { type: 'string' } },
    enrolledAt: time,
    finishedAt: ntime,
  }),
  EnrollmentPage: page('Enrollment'),
  BulkEnrollmentResult: o({ requested: { type: 'integer', nullable: true }, enrolled: int, skipped: { type: 'integer', nullable: true } }),
  ProgramStats: o({
    programId: uuid,
    enrollments: o({ total: int, active: int, completed: int, converted: int, exited: int }),
    steps: arr(
      o(
        {
          stepId: str,
          type: nstr,
          entered: int,
          sent: int,
          delivered: int,
          humanOpens: int,
          clicks: int,
          unsubscribes: int,
          goalReached: int,
          exited: { type: 'object', description: 'Count per exit reason', additionalProperties: { type: 'integer' } },
          variants: {
            ...arr(
              o({
                variant: str,
                templateId: nuuid,
                subject: nstr,
                weight: num,
                sent: int,
                delivered: int,
                humanOpens: int,
                clicks: int,
                openRate: num,
                clickRate: num,
                vsControl: { ...o({ opens: comparison, clicks: comparison }), nullable: true },
              }),
            ),
            description: 'A/B email steps only',
          },
        },
        ['variants'],
      ),
    ),
  }),
  Simulation: o({
    programId: uuid,
    version: { type: 'integer', nullable: true, description: 'null: the draft' },
    from: time,
    timezone: str,
    timeline: arr(o({ at: time, stepId: nstr, stepType: nstr, action: str, detail: obj })),
    outcome: o({ status: str, exitReason: nstr, at: ntime }),
    emails: int,
  }),
  Handoff: o({
    id: uuid,
    leadId: uuid,
    status: { type: 'string', enum: ['pending', 'accepted', 'rejected', 'opportunity', 'won', 'lost'] },
    priority: { type: 'string', enum: ['high', 'medium', 'low'] },
    reason: str,
    trigger: o({ eventId: nuuid, eventType: nstr, programId: nuuid, enrollmentId: nuuid, stepId: nstr }),
    ownerId: nuuid,
    owner: { ...o({ id: uuid, name: str, email: str }), nullable: true },
    assignedAt: ntime,
    slaDueAt: time,
    slaBreached: bool,
    breachedAt: ntime,
    breachCount: int,
    respondedAt: ntime,
    respondedBy: nstr,
    note: nstr,
    rejectReason: { type: 'string', enum: ['no_budget', 'bad_fit', 'unreachable', 'duplicate', 'not_now', 'other'], nullable: true },
    outcomeAt: ntime,
    value: nnum,
    currency: nstr,
    createdAt: time,
    updatedAt: time,
    lead: { type: 'object', nullable: true, description: 'The lead at hand-off time; null once erased', additionalProperties: true },
    source: obj,
    channel: nstr,
    qualification: obj,
    score: {
      ...o({
        engagementScore: num,
        fitScore: num,
        mqlRule: o({ met: bool, missing: arr(str) }),
        reasons: arr(o({ description: str, points: num, currentPoints: num, at: time, eventId: nuuid })),
      }),
      nullable: true,
    },
    timeline: arr(o({ kind: str, at: time, data: obj })),
    snapshotAt: ntime,
  }),
  HandoffPage: page('Handoff'),
  Webhook: o(
    {
      id: uuid,
      url: { type: 'string', format: 'uri' },
      events: arr(str),
      description: nstr,
      active: bool,
      disabledAt: ntime,
      disabledReason: nstr,
      failingSince: ntime,
      createdBy: str,
      createdAt: time,
      updatedAt: time,
      secret: { type: 'string', example: 'whsec_…', description: 'Signing secret; only in the answer to POST' },
    },
    ['secret'],
  ),
  FunnelReport: o(
    {
      from: time,
      to: time,
      groupBy: { type: 'string', enum: ['channel', 'campaign', 'source', 'program'] },
      programDataAsOf: { ...ntime, description: 'groupBy=program only' },
      groups: arr(
        o(
          {
            key: str,
            name: { type: 'string', description: 'groupBy=program only: the program name (key is its id)' },
            leads: int,
            mql: int,
            sql: int,
            opportunity: int,
            won: int,
            rates,
            revenuePerLead: nnum,
            revenuePerSql: nnum,
            revenue: num,
            currencies: arr(str),
            medianHoursToMql: nnum,
            medianHoursMqlToSql: nnum,
            sla: o({ handoffs: int, due: int, answeredInTime: int, compliance: nnum, medianResponseMinutes: nnum }),
          },
          ['name'],
        ),
      ),
      totals: o({ leads: int, mql: int, sql: int, opportunity: int, won: int, revenue: num, rates, revenuePerLead: nnum, revenuePerSql: nnum }),
    },
    ['programDataAsOf'],
  ),
  ApiKey: o(
    {
      id: uuid,
      name: str,
      role: { type: 'string', enum: ['admin', 'marketer', 'sales', 'ingest'] },
      prefix: str,
      bootstrap: { type: 'boolean', description: 'The key from ADMIN_API_KEY' },
      createdAt: time,
      revokedAt: ntime,
      lastUsedAt: ntime,
      key: { type: 'string', description: 'The key itself; only in the answer to POST, shown once' },
    },
    ['key'],
  ),
  ApiKeyPage: page('ApiKey'),
};
