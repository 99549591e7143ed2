import { ROLES } from '../auth/roles.js';
import { arr, enumOf, int, ntime, o, page, str, time, uuid, type Schema } from './schema-kit.js';

/** Errors (problem.filter) and API keys (api-keys.service). */
export const OPERATIONS_SCHEMAS: Record<string, Schema> = {
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
};
