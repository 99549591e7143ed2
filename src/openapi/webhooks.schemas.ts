import { arr, bool, nstr, ntime, o, str, time, uuid, type Schema } from './schema-kit.js';

/** Webhook subscriptions (webhook-subscriptions.service). */
export const WEBHOOKS_SCHEMAS: Record<string, Schema> = {
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
};
