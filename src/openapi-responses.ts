import type { OpenAPIObject } from '@nestjs/swagger';

/**
 * Response schemas of the main endpoints. The controllers return plain objects, so Nest's scanner cannot
 * see their shape; they are written here by hand, from the services' return types, and attached to the
 * operations after the document is built. Keep them in step with the services.
 */
type Schema = Record<string, unknown>;

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
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const arr = (items: Schema): Schema => ({ type: 'array', items });
/** An object whose listed properties are all required unless named in `optional`. */
const o = (properties: Record<string, Schema>, optional: string[] = []): Schema => ({
  type: 'object',
  required: Object.keys(properties).filter((k) => !optional.includes(k)),
  properties,
});
const page = (item: string): Schema => o({ items: arr(ref(item)), nextCursor: nstr });

const STAGES = ['subscriber', 'lead', 'mql', 'sql', 'opportunity', 'customer', 'recycled', 'disqualified'];
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
    stage: { type: 'string', enum: STAGES },
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
    stage: { type: 'string', enum: STAGES },
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

const json = (schema: Schema, description: string) => ({ description, content: { 'application/json': { schema } } });

/** [method, path, status, schema name, description] for each documented answer. */
/** [method, path, status, schema, description] of every answer described here. */
export const ANSWERS: [string, string, string, string, string][] = [
  ['post', '/api/v1/leads', '201', 'Lead', 'Created'],
  ['post', '/api/v1/leads', '200', 'Lead', 'Updated (the email was known)'],
  ['get', '/api/v1/leads', '200', 'LeadPage', 'A page of leads'],
  ['get', '/api/v1/leads/{id}', '200', 'Lead', 'The lead'],
  ['get', '/api/v1/leads/{id}/timeline', '200', 'Timeline', 'Events, emails, stage changes and consent, in time order'],
  ['get', '/api/v1/leads/{id}/score', '200', 'LeadScore', 'Scores now, the MQL rule and the contributions after decay'],
  ['post', '/api/v1/events', '202', 'IngestResult', 'Counts of accepted, duplicate and rejected events, and one result per event'],
  ['post', '/api/v1/templates', '201', 'Template', 'Created (version 1)'],
  ['get', '/api/v1/templates', '200', 'TemplatePage', 'A page of templates (without variants)'],
  ['get', '/api/v1/templates/{id}', '200', 'Template', 'The template'],
  ['put', '/api/v1/templates/{id}', '200', 'Template', 'The template with its new version'],
  ['post', '/api/v1/templates/{id}/preview', '200', 'TemplatePreview', 'Rendered subject, HTML and text'],
  ['post', '/api/v1/templates/{id}/test-send', '202', 'TestSendResult', 'Queued for delivery'],
  ['post', '/api/v1/programs', '201', 'Program', 'The draft'],
  ['get', '/api/v1/programs', '200', 'ProgramPage', 'A page of programs'],
  ['get', '/api/v1/programs/{id}', '200', 'Program', 'The program'],
  ['put', '/api/v1/programs/{id}', '200', 'Program', 'The edited draft'],
  ['post', '/api/v1/programs/{id}/publish', '200', 'Program', 'Published as a new immutable version'],
  ['post', '/api/v1/programs/{id}/pause', '200', 'Program', 'Paused'],
  ['post', '/api/v1/programs/{id}/resume', '200', 'Program', 'Resumed'],
  ['post', '/api/v1/programs/{id}/archive', '200', 'Program', 'Archived'],
  ['post', '/api/v1/programs/{id}/enrollments', '201', 'Enrollment', '{leadId}: the enrollment'],
  ['post', '/api/v1/programs/{id}/enrollments', '200', 'BulkEnrollmentResult', '{leadIds} or {segment}: counts'],
  ['get', '/api/v1/programs/{id}/enrollments', '200', 'EnrollmentPage', 'A page of enrollments'],
  ['get', '/api/v1/programs/{id}/stats', '200', 'ProgramStats', 'Per-step numbers, with A/B results'],
  ['post', '/api/v1/programs/{id}/simulate', '200', 'Simulation', 'Dated timeline; nothing is sent'],
  ['get', '/api/v1/handoffs', '200', 'HandoffPage', 'A page of hand-offs'],
  ['get', '/api/v1/handoffs/{id}', '200', 'Handoff', 'The hand-off with the lead as it was at hand-off time'],
  ['post', '/api/v1/handoffs/{id}/accept', '200', 'Handoff', 'Accepted; the lead moves to sql'],
  ['post', '/api/v1/handoffs/{id}/reject', '200', 'Handoff', 'Rejected; the lead moves to recycled (or disqualified)'],
  ['post', '/api/v1/handoffs/{id}/reassign', '200', 'Handoff', 'Reassigned'],
  ['post', '/api/v1/handoffs/{id}/outcome', '200', 'Handoff', 'Outcome recorded'],
  ['post', '/api/v1/webhooks', '201', 'Webhook', 'Subscribed; includes the signing secret once'],
  ['get', '/api/v1/webhooks/{id}', '200', 'Webhook', 'The subscription (no secret)'],
  ['get', '/api/v1/analytics/funnel', '200', 'FunnelReport', 'Funnel per group and in total'],
  ['post', '/api/v1/api-keys', '201', 'ApiKey', 'Created; includes the key once'],
  ['get', '/api/v1/api-keys', '200', 'ApiKeyPage', 'The keys (never the keys themselves)'],
];

/** Common problem answers of every /api/ operation (application/problem+json). */
const PROBLEMS: Record<string, string> = {
  '401': 'No or unknown API key',
  '403': 'The key lacks the role',
  '422': 'Invalid input, naming the fields',
};

export function addResponseSchemas(document: OpenAPIObject): void {
  document.components ??= {};
  document.components.schemas ??= {};
  Object.assign(document.components.schemas, RESPONSE_SCHEMAS);
  for (const [method, path, status, schema, description] of ANSWERS) {
    const op = (document.paths[path] as Record<string, { responses: Record<string, unknown> }> | undefined)?.[method];
    // An app built with only some modules (a test's, say) lacks some operations: only those present are described.
    if (!op) continue;
    op.responses[status] = json(ref(schema), description);
  }
  const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });
  for (const [path, ops] of Object.entries(document.paths)) {
    if (!path.startsWith('/api/')) continue;
    for (const [method, op] of Object.entries(ops as Record<string, { responses?: Record<string, unknown> }>)) {
      if (!op?.responses) continue;
      for (const [status, description] of Object.entries(PROBLEMS)) op.responses[status] ??= problem(description);
      if (path.includes('{id}')) op.responses['404'] ??= problem('Unknown id');
      if (method !== 'get') {
        op.responses['409'] ??= problem('Conflict with the current state (e.g. already enrolled, hand-off already answered), or a request with the same Idempotency-Key still running');
      }
    }
  }
}
