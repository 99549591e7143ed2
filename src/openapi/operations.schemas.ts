import { ROLES } from '../auth/roles.js';
import { MAIL_TRANSPORT_KINDS } from '../email/transport/mail-transport.js';
import { CHECK_STATUSES, HEALTH_STATUSES } from '../health/health.controller.js';
import { arr, enumOf, int, ntime, num, o, page, str, time, uuid, type Schema } from './schema-kit.js';

const check = {
  status: enumOf(CHECK_STATUSES),
  latencyMs: { ...num, description: 'When up' },
  error: { ...str, description: 'When down: why (credentials in URLs masked)' },
};

/** Errors (problem.filter), API keys (api-keys.service) and health (health.controller). */
export const OPERATIONS_SCHEMAS: Record<string, Schema> = {
  Problem: o(
    {
      type: { type: 'string', example: 'urn:nurture:problem:validation' },
      title: str,
      status: int,
      detail: str,
      instance: str,
      errors: arr(o({ field: str, message: str })),
      reason: { ...str, description: 'Why, when the status alone does not say: e.g. an enrollment refused as already_enrolled, not_eligible, goal_already_met or a suppression reason (unsubscribed, hard_bounce, soft_bounces, complaint, consent_withdrawn, erased, manual)' },
    },
    ['detail', 'instance', 'errors', 'reason'],
  ),
  ApiKey: o(
    {
      id: uuid,
      name: str,
      role: enumOf(ROLES),
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
  Health: o({
    status: enumOf(HEALTH_STATUSES, { description: '`degraded` when a check is down' }),
    checks: o({
      database: o(check, ['latencyMs', 'error']),
      redis: o(check, ['latencyMs', 'error']),
      smtp: {
        ...o({ ...check, transport: enumOf(MAIL_TRANSPORT_KINDS) }, ['latencyMs', 'error']),
        description: 'The SMTP relay (reached and accepting the login; checked at most every 10 s), or the development mailbox, which counts as down in production',
      },
    }),
  }),
};
