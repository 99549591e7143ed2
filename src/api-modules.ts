import { AnalyticsModule } from './analytics/analytics.module.js';
import { AuthModule } from './auth/auth.module.js';
import { IdempotencyModule } from './common/idempotency.interceptor.js';
import { EmailApiModule } from './email/email-api.module.js';
import { EventsModule } from './events/events.module.js';
import { HandoffsApiModule } from './handoffs/handoffs-api.module.js';
import { HealthModule } from './health/health.module.js';
import { LeadsModule } from './leads/leads.module.js';
import { PrivacyModule } from './privacy/privacy.module.js';
import { ProgramsApiModule } from './programs/programs-api.module.js';
import { ScoringApiModule } from './scoring/scoring-api.module.js';
import { SuppressionAdminModule } from './suppression/suppression-admin.module.js';
import { TemplatesModule } from './templates/templates.module.js';
import { TrackingModule } from './tracking/tracking.module.js';
import { WebhooksApiModule } from './webhooks/webhooks-api.module.js';

/**
 * What only the HTTP API serves: every controller, with its DTOs and OpenAPI decorators. AppModule imports
 * this file on demand (PROCESS_ROLE=api|all). The order is the order routes are registered and documented.
 */
export const API_MODULES = [
  IdempotencyModule,
  ScoringApiModule,
  ProgramsApiModule,
  AuthModule,
  HealthModule,
  LeadsModule,
  PrivacyModule,
  AnalyticsModule,
  EventsModule,
  EmailApiModule,
  TemplatesModule,
  TrackingModule,
  SuppressionAdminModule,
  HandoffsApiModule,
  WebhooksApiModule,
];
