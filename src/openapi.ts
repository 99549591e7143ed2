import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

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
      occurredAt: { type: 'string', format: 'date-time' },
      properties: { type: 'object', additionalProperties: true },
      idempotencyKey: { type: 'string', maxLength: 200 },
    },
  };
  addTrackingPaths(document);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', swaggerUiEnabled: ui });
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
