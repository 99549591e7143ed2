import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { addResponseSchemas } from './openapi-responses.js';

/** Serves the OpenAPI document at /docs-json and its UI at /docs. */
export function setupOpenApi(app: NestFastifyApplication, ui: boolean): void {
  const doc = new DocumentBuilder()
    .setTitle('Nurture engine API')
    .setDescription('Leads, behaviour events, explainable scoring, nurture programs and sales hand-off. Errors are application/problem+json (RFC 9457).')
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API key' })
    .build();
  const document = SwaggerModule.createDocument(app, doc);
  document.components ??= {};
  document.components.schemas ??= {};
  document.components.schemas.EventInput = {
    type: 'object',
    required: ['type'],
    properties: {
      leadId: { type: 'string', format: 'uuid' },
      email: { type: 'string', format: 'email' },
      type: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,63}$', example: 'content_downloaded' },
      occurredAt: {
        type: 'string',
        format: 'date-time',
        description:
          'When it happened (default: when received). An event that occurred more than EVENT_LIVE_WINDOW_HOURS (default 24) before it was received is historical (an import, a CRM sync): ' +
          'it scores, decayed by its age, and counts for segments, goals and past-event conditions, but promotes nothing at once as high intent (no 15-minute hand-off) and fires no event trigger.',
      },
      properties: { type: 'object', additionalProperties: true },
      idempotencyKey: { type: 'string', maxLength: 200 },
    },
  };
  addTrackingPaths(document);
  addEventsPath(document);
  addResponseSchemas(document);
  markUuidPathParameters(document);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', swaggerUiEnabled: ui });
}

/**
 * Path parameters named `id` or `…Id` are read by UuidPipe (a malformed one is refused naming it):
 * documented as `format: uuid`, which Nest's scanner cannot see through a pipe, so generated clients type them.
 */
function markUuidPathParameters(document: ReturnType<typeof SwaggerModule.createDocument>): void {
  for (const operations of Object.values(document.paths)) {
    for (const operation of Object.values(operations)) {
      const parameters = (operation as { parameters?: { name: string; in: string; schema?: Record<string, unknown> }[] }).parameters;
      for (const p of parameters ?? []) if (p.in === 'path' && /^(id|[a-z]+Id)$/.test(p.name)) p.schema = { ...p.schema, type: 'string', format: 'uuid' };
    }
  }
}

/**
 * The open pixel and click redirects are plain Fastify routes (see src/tracking/tracking-routes.ts), so
 * Nest's scanner does not see them; they are described here by hand so the document stays complete.
 */
function addTrackingPaths(document: ReturnType<typeof SwaggerModule.createDocument>): void {
  const token = { name: 'token', in: 'path' as const, required: true, schema: { type: 'string', maxLength: 80 }, description: 'Signed tracking token from the email' };
  document.paths['/t/o/{token}'] = {
    get: {
      tags: ['public'],
      summary: 'Open pixel',
      description: 'Always a 1×1 transparent GIF, never cached; a valid token records an open (judged human or machine later).',
      operationId: 'trackOpen',
      parameters: [token],
      responses: { '200': { description: 'Transparent GIF', content: { 'image/gif': { schema: { type: 'string', format: 'binary' } } } } },
    },
  };
  document.paths['/t/c/{token}'] = {
    get: {
      tags: ['public'],
      summary: 'Click redirect',
      description: 'Redirects to the link as it was stored with the message and records the click; 404 for a bad token or unknown link.',
      operationId: 'trackClick',
      parameters: [token],
      responses: {
        '302': { description: 'Redirect to the original link', headers: { location: { schema: { type: 'string', format: 'uri' } } } },
        '404': { description: 'Bad token or unknown link' },
        '503': { description: 'The link could not be looked up right now; retry' },
      },
    },
  };
}

/** POST /api/v1/events is a plain Fastify route too (see src/events/events-route.ts). */
function addEventsPath(document: ReturnType<typeof SwaggerModule.createDocument>): void {
  const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } });
  document.paths['/api/v1/events'] = {
    post: {
      tags: ['events'],
      summary: 'Ingest behaviour events',
      description:
        'One event, or `{"events": [...]}` with up to 1,000. Each is reported accepted, duplicate or rejected; unknown emails create leads. ' +
        'An `Idempotency-Key` header (or `idempotencyKey` per event; in a batch the header keys each event without a key of its own as `<header>/<index>`) makes retries harmless: a true repeat (same lead, type, properties, and occurredAt if given) is `duplicate` with the first result; ' +
        'a key already used for a different event is rejected naming `idempotencyKey`. ' +
        'An accepted event that occurred more than EVENT_LIVE_WINDOW_HOURS (default 24) before it was received is marked `historical: true`: it scores and counts for conditions, but does not act as if it just happened (see occurredAt). ' +
        'An event whose `leadId` names no lead is rejected naming `leadId`; one of an erased lead (GDPR) is rejected naming `leadId` or `email`. ' +
        'In a batch every refusal is an item with status `rejected` and its errors (202), the other events are stored. ' +
        'A single event (no `events` array) is answered 202 only when accepted or duplicate; refused, it is a problem with the same errors: ' +
        '422 (invalid, or its idempotencyKey taken by a different event), 404 (unknown leadId), 410 (erased lead). An empty Idempotency-Key header is 422. Roles: ingest, marketer, admin.',
      operationId: 'ingestEvents',
      security: [{ bearer: [] }],
      parameters: [{ name: 'idempotency-key', in: 'header', required: false, schema: { type: 'string', maxLength: 200 } }],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              oneOf: [
                { $ref: '#/components/schemas/EventInput' },
                { type: 'object', properties: { events: { type: 'array', maxItems: 1000, items: { $ref: '#/components/schemas/EventInput' } } } },
              ],
            },
          },
        },
      },
      responses: {
        '202': { description: 'Counts of accepted, duplicate and rejected events, and one result per event' },
        '400': problem('Malformed JSON body: errors name the field body, with what the parser found'),
        '401': problem('No or unknown API key'),
        '403': problem('The key lacks the role'),
        '404': problem('Single event: its leadId names no lead (errors name leadId)'),
        '410': problem('Single event: its lead was erased (GDPR; errors name leadId or email)'),
        '413': problem('Body too large'),
        '422': problem('Invalid event (single) or batch, naming the field; single event whose idempotencyKey belongs to a different event'),
      },
    },
  };
}
