import { ANALYTICS_SCHEMAS } from './openapi/analytics.schemas.js';
import { EMAIL_SCHEMAS } from './openapi/email.schemas.js';
import { LEADS_SCHEMAS } from './openapi/leads.schemas.js';
import { OPERATIONS_SCHEMAS } from './openapi/operations.schemas.js';
import { PRIVACY_SCHEMAS } from './openapi/privacy.schemas.js';
import { PROGRAMS_SCHEMAS } from './openapi/programs.schemas.js';
import { SALES_SCHEMAS } from './openapi/sales.schemas.js';
import type { Schema } from './openapi/schema-kit.js';
import { SCORING_SCHEMAS } from './openapi/scoring.schemas.js';
import { SUPPRESSION_SCHEMAS } from './openapi/suppression.schemas.js';
import { TEMPLATES_SCHEMAS } from './openapi/templates.schemas.js';
import { WEBHOOKS_SCHEMAS } from './openapi/webhooks.schemas.js';

export { ref, type Schema } from './openapi/schema-kit.js';

/**
 * Response schemas of the API, by name (components.schemas). The controllers return plain objects, so Nest's
 * scanner cannot see their shape; they are written by hand, one file per area in src/openapi/, from the
 * services' return types, with enums taken from the code's constants (openapi-responses.ts attaches them to
 * the operations). Keep them in step with the services.
 */
export const RESPONSE_SCHEMAS: Record<string, Schema> = {
  ...OPERATIONS_SCHEMAS,
  ...LEADS_SCHEMAS,
  ...SCORING_SCHEMAS,
  ...PRIVACY_SCHEMAS,
  ...TEMPLATES_SCHEMAS,
  ...EMAIL_SCHEMAS,
  ...SUPPRESSION_SCHEMAS,
  ...PROGRAMS_SCHEMAS,
  ...SALES_SCHEMAS,
  ...WEBHOOKS_SCHEMAS,
  ...ANALYTICS_SCHEMAS,
};
