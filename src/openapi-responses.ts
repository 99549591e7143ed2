import type { OpenAPIObject } from '@nestjs/swagger';
import { ref, RESPONSE_SCHEMAS, type Schema } from './openapi-schemas.js';

/**
 * Attaches the hand-written response schemas (openapi-schemas.ts) to the operations of the built document,
 * and the problem+json answers every /api/ operation can give. Answers that are not JSON (the /u/{token}
 * pages, /metrics) are described by decorators on their controllers, the tracking routes in openapi.ts.
 * test/operations.e2e.ts fails when an operation's success answer has no schema; test/openapi-answers.e2e.ts
 * checks live answers against the document.
 */
const json = (schema: Schema, description: string) => ({ description, content: { 'application/json': { schema } } });

/** [method, path, status, schema name, description] of every answer described here. */
export const ANSWERS: [string, string, string, string, string][] = [
  ['post', '/api/v1/leads', '201', 'Lead', 'Created'],
  ['post', '/api/v1/leads', '200', 'Lead', 'Updated (the email was known)'],
  ['get', '/api/v1/leads', '200', 'LeadPage', 'A page of leads: oldest first, or with updatedSince least recently changed first (see sort)'],
  ['get', '/api/v1/leads/{id}', '200', 'Lead', 'The lead'],
  ['patch', '/api/v1/leads/{id}', '200', 'Lead', 'The lead at its new stage (unchanged when it was at that stage already); set to customer or disqualified, its pending hand-off is closed (rejected, closeReason the stage) and announced as `handoff.closed`'],
  ['get', '/api/v1/leads/{id}/timeline', '200', 'Timeline', 'Events, emails, stage changes and consent, in time order: oldest first, or newest first with sort=-at'],
  ['get', '/api/v1/leads/{id}/export', '200', 'LeadExport', 'Everything stored about the lead'],
  ['get', '/api/v1/leads/{id}/score', '200', 'LeadScore', 'Scores now, the MQL rule and the contributions after decay'],
  ['get', '/api/v1/scoring-model', '200', 'ScoringModelVersion', 'The current version of the model'],
  ['put', '/api/v1/scoring-model', '200', 'ScoringModelVersion', 'Published as a new version; points already given keep the version that gave them'],
  ['get', '/api/v1/scoring-model/versions/{version}', '200', 'ScoringModelVersion', 'That version of the model'],
  ['post', '/api/v1/events', '202', 'IngestResult', 'Counts of accepted, duplicate and rejected events, and one result per event'],
  ['post', '/api/v1/templates', '201', 'Template', 'Created (version 1)'],
  ['get', '/api/v1/templates', '200', 'TemplatePage', 'A page of templates (without variants)'],
  ['get', '/api/v1/templates/{id}', '200', 'Template', 'The template'],
  ['put', '/api/v1/templates/{id}', '200', 'Template', 'The template with its new version'],
  ['get', '/api/v1/templates/{id}/versions/{version}', '200', 'TemplateVersion', 'That version with its variants'],
  ['post', '/api/v1/templates/{id}/preview', '200', 'TemplatePreview', 'Rendered subject, HTML and text'],
  ['post', '/api/v1/templates/{id}/test-send', '202', 'TestSendResult', 'Queued for delivery (or suppressed: the address is on the suppression list), once the variant it uses was found to go out; the delivery worker renders and checks it again'],
  ['get', '/api/v1/email/stats', '200', 'EmailStats', 'Messages per delivery status, held and bounced ones'],
  ['get', '/api/v1/email/messages', '200', 'EmailMessagePage', 'A page of messages, newest first'],
  ['get', '/api/v1/email/messages/{id}', '200', 'EmailMessage', "The message's delivery record"],
  ['post', '/api/v1/email/messages/{id}/release', '202', 'EmailMessage', 'Queued again for delivery'],
  ['get', '/api/v1/suppressions', '200', 'SuppressionPage', 'Suppressed addresses, newest first; with include=lifted, the entries lifted since too (an address\'s history)'],
  ['get', '/api/v1/suppressions/lifts', '200', 'SuppressionLiftPage', 'Lifted entries, newest lift first: what was lifted, by whom, when and why'],
  ['post', '/api/v1/suppressions', '201', 'Suppression', 'Added'],
  ['post', '/api/v1/suppressions', '200', 'Suppression', 'Already suppressed: the existing entry'],
  ['delete', '/api/v1/suppressions/{emailHash}', '200', 'SuppressionLift', 'Lifted: the entry left the list; the record of the lift'],
  ['delete', '/api/v1/suppressions', '200', 'SuppressionLift', 'Lifted: the entry left the list; the record of the lift'],
  ['post', '/api/v1/email/bounces', '201', 'Bounce', 'Recorded; a hard bounce, a complaint or the SOFT_BOUNCE_LIMIT-th soft bounce also suppresses the address'],
  ['post', '/api/v1/email/unsubscribes', '200', 'MailtoUnsubscribe', 'The recipient of the message the token names is opted out (again: no change)'],
  ['post', '/api/v1/programs', '201', 'Program', 'The draft'],
  ['get', '/api/v1/programs', '200', 'ProgramPage', 'A page of programs'],
  ['post', '/api/v1/programs/starters', '200', 'StarterInstall', 'The starter templates and programs, each installed now or kept as it was'],
  ['get', '/api/v1/programs/{id}', '200', 'Program', 'The program'],
  ['put', '/api/v1/programs/{id}', '200', 'Program', 'The edited draft'],
  ['post', '/api/v1/programs/{id}/publish', '200', 'Program', 'Published as a new immutable version'],
  ['post', '/api/v1/programs/{id}/pause', '200', 'Program', 'Paused'],
  ['post', '/api/v1/programs/{id}/resume', '200', 'Program', 'Resumed'],
  ['post', '/api/v1/programs/{id}/archive', '200', 'Program', 'Archived'],
  ['post', '/api/v1/programs/{id}/enrollments', '201', 'Enrollment', '{leadId}: the enrollment'],
  ['post', '/api/v1/programs/{id}/enrollments', '200', 'BulkEnrollmentResult', '{leadIds} or {segment}: counts'],
  ['get', '/api/v1/programs/{id}/enrollments', '200', 'EnrollmentPage', 'A page of enrollments'],
  ['delete', '/api/v1/programs/{id}/enrollments/{leadId}', '200', 'Enrollment', 'The ended enrollment (exitReason unenrolled); a repeat gets it again, unchanged'],
  ['get', '/api/v1/programs/{id}/stats', '200', 'ProgramStats', 'Per-step numbers, with A/B results'],
  ['post', '/api/v1/programs/{id}/simulate', '200', 'Simulation', 'Dated timeline; nothing is sent'],
  ['get', '/api/v1/handoffs', '200', 'HandoffPage', 'A page of hand-offs, most urgent (earliest SLA deadline) first unless `sort` says otherwise'],
  ['get', '/api/v1/handoffs/{id}', '200', 'Handoff', 'The hand-off with the lead as it was at hand-off time'],
  ['post', '/api/v1/handoffs/{id}/accept', '200', 'Handoff', 'Accepted; the lead moves to sql'],
  ['post', '/api/v1/handoffs/{id}/reject', '200', 'Handoff', 'Rejected; the lead moves to recycled (or disqualified)'],
  ['post', '/api/v1/handoffs/{id}/reassign', '200', 'Handoff', 'Reassigned'],
  ['post', '/api/v1/handoffs/{id}/outcome', '200', 'Handoff', 'Outcome recorded'],
  ['get', '/api/v1/sales-reps', '200', 'SalesRepPage', 'The sales team, oldest first'],
  [
    'post',
    '/api/v1/sales-reps',
    '201',
    'SalesRep',
    'Added. A rep who takes hand-offs (active, weight above 0) starts a new round-robin cycle, and the pending hand-offs that had no active owner ' +
      '(made while nobody took hand-offs, or left with a deactivated rep) are shared among the active reps with a fresh SLA deadline, each announced as ' +
      '`handoff.reassigned` (`reassignment.reason` `unowned` or `owner_inactive`); `assigned` counts them',
  ],
  ['get', '/api/v1/sales-reps/{id}', '200', 'SalesRep', 'The rep'],
  [
    'patch',
    '/api/v1/sales-reps/{id}',
    '200',
    'SalesRep',
    'Changed. `active: false` gives the rep\'s pending hand-offs (accepted ones stay) to the other active reps by round robin and language, each with a ' +
      'fresh SLA deadline, announced as `handoff.reassigned` (`reassignment`: previousOwnerId, by (the API key), reason `owner_inactive`); with nobody to ' +
      'take them they stay until a rep is available. A rep who becomes available (re-activated, weight up from 0) also takes pending hand-offs without an active owner',
  ],
  ['post', '/api/v1/webhooks', '201', 'Webhook', 'Subscribed; includes the signing secret once'],
  ['get', '/api/v1/webhooks', '200', 'WebhookPage', 'The subscriptions (no secrets)'],
  ['get', '/api/v1/webhooks/{id}', '200', 'Webhook', 'The subscription (no secret)'],
  ['patch', '/api/v1/webhooks/{id}', '200', 'Webhook', 'Changed (no secret)'],
  ['get', '/api/v1/webhooks/{id}/deliveries', '200', 'WebhookDeliveryPage', 'The delivery log, newest first'],
  ['get', '/api/v1/webhooks/{id}/deliveries/{deliveryId}', '200', 'WebhookDeliveryDetail', 'The delivery with the body sent and every attempt'],
  ['post', '/api/v1/webhooks/{id}/deliveries/{deliveryId}/retry', '202', 'WebhookDelivery', 'Queued: a new delivery of the same message (same webhook-id), due now and retried on the usual schedule; a delivery of the message still waiting is cancelled'],
  ['post', '/api/v1/webhooks/{id}/rotate-secret', '200', 'Webhook', 'The subscription with its new signing secret, shown once; the old one also signs until previousSecretExpiresAt'],
  ['get', '/api/v1/analytics/funnel', '200', 'FunnelReport', 'Funnel per group and in total'],
  ['get', '/health', '200', 'Health', 'Serving: PostgreSQL and Redis are up (status degraded when only the mail relay is down: email waits)'],
  ['get', '/health', '503', 'Health', 'Not serving: PostgreSQL or Redis is down'],
  ['post', '/api/v1/api-keys', '201', 'ApiKey', 'Created; includes the key once'],
  ['get', '/api/v1/api-keys', '200', 'ApiKeyPage', 'The keys (never the keys themselves)'],
];

/** [method, path, status, description] of problem answers particular to an operation (besides the common ones below). */
export const PROBLEM_ANSWERS: [string, string, string, string][] = [
  ['post', '/u/{token}', '400', 'A body sent as JSON that does not parse (the page and the one-click POST send forms): errors name the field body; nothing changes'],
  ['post', '/api/v1/email/bounces', '404', 'messageId names no email message'],
  [
    'post',
    '/api/v1/email/messages/{id}/release',
    '409',
    'Not held; or sending it now would exceed the frequency cap (from when it fits is said); or enrollment_ended: a nurture email whose enrollment ended early (goal met, archived, unenrolled, another exit), never sent any more. It stays held',
  ],
  [
    'post',
    '/api/v1/templates/{id}/test-send',
    '422',
    'Invalid input (to, locale); or the variant the send would use (for locale, else the default) cannot go out, and nothing is queued: ' +
      'it lacks the footer (a version saved before saves checked it; reason template_without_footer) or fails to render for the sample lead. ' +
      'errors name the variant field (variants.<locale>.mjml or variants.<locale>.subject) and what is wrong',
  ],
  ['delete', '/api/v1/templates/{id}', '404', 'Unknown or already archived template'],
  [
    'delete',
    '/api/v1/templates/{id}',
    '409',
    'template_in_use: a program that is not archived may still send it (its draft, its current version, or an older version with leads still enrolled); ' +
      'errors (field id) name each program by id and name and what sends it. Nothing changed: archive the program, or publish it without the template and let its enrolled leads finish',
  ],
  ['post', '/api/v1/leads', '409', 'stage_not_set_by_upsert: the lead exists and is not at the customer or disqualified stage asked for (errors name stage); PATCH /api/v1/leads/{id} moves it. Nothing changed'],
  ['post', '/api/v1/leads', '410', "The email is an erased lead's placeholder address (GDPR): it takes no new data"],
  ['delete', '/api/v1/programs/{id}/enrollments/{leadId}', '404', 'Unknown program or lead, or the lead was never enrolled in the program'],
  ['delete', '/api/v1/programs/{id}/enrollments/{leadId}', '409', "not_enrolled: the lead's latest enrollment in the program ended otherwise (completed, converted, another exit); nothing changed"],
  ['patch', '/api/v1/leads/{id}', '409', 'The lead may not be moved there by hand (errors name stage): sales accepted it, or it would go back to lead from mql or customer'],
  ['patch', '/api/v1/leads/{id}', '410', 'The lead was erased (GDPR): it takes no new data, its stage included'],
  ...['/api/v1/suppressions', '/api/v1/suppressions/{emailHash}'].map((path): [string, string, string, string] => ['delete', path, '409', "An erased lead's address (never lifted, reason erased), a complaint not named by reason=complaint, or an entry whose reason is not the one given"]),
  ['delete', '/api/v1/suppressions', '404', 'The address is not on the list'],
  ...['accept', 'reject', 'outcome', 'reassign'].map((action): [string, string, string, string] => [
    'post',
    `/api/v1/handoffs/{id}/${action}`,
    '410',
    "The hand-off's lead was erased (GDPR): it takes no answer, outcome or new owner (erasure closed it if it was pending)",
  ]),
];

/** Common problem answers of every /api/ operation (application/problem+json). */
const PROBLEMS: Record<string, string> = {
  '401': 'No or unknown API key',
  '403': 'The key lacks the role',
  '422': 'Invalid input, naming the fields',
};

/** The answer of every operation that takes a JSON body to one that is not JSON (see problemOf). */
const MALFORMED_JSON = 'Malformed JSON body: errors name the field body, with what the parser found';

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
  for (const [method, path, status, description] of PROBLEM_ANSWERS) {
    const op = (document.paths[path] as Record<string, { responses: Record<string, unknown> }> | undefined)?.[method];
    if (op) op.responses[status] = problem(description);
  }
  for (const [path, ops] of Object.entries(document.paths)) {
    if (!path.startsWith('/api/')) continue;
    for (const [method, op] of Object.entries(ops as Record<string, { responses?: Record<string, unknown>; requestBody?: { content?: Record<string, unknown> } }>)) {
      if (!op?.responses) continue;
      for (const [status, description] of Object.entries(PROBLEMS)) op.responses[status] ??= problem(description);
      if (op.requestBody?.content?.['application/json']) op.responses['400'] ??= problem(MALFORMED_JSON);
      const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      if (params.length) op.responses['404'] ??= problem(`Unknown ${params.join(' or ')}`);
      if (method !== 'get') {
        op.responses['409'] ??= problem('Conflict with the current state (e.g. already enrolled, hand-off already answered), or a request with the same Idempotency-Key still running');
      }
    }
  }
}
