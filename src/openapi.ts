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
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', swaggerUiEnabled: ui });
}
