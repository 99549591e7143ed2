import { DELIVERY_STATUS_HELP, DELIVERY_STATUSES } from '../webhooks/dto/list-deliveries.query.js';
import { WEBHOOK_EVENT_TYPES } from '../webhooks/webhook-event-types.js';
import { HANDOFF_CLOSE_REASONS, HANDOFF_STATUSES } from '../handoffs/domain/index.js';
import { LEAD_PICTURE } from './sales.schemas.js';
import { arr, bool, enumOf, int, nint, nstr, ntime, nuuid, o, obj, page, str, time, uuid, type Schema } from './schema-kit.js';

const delivery = {
  id: { ...uuid, description: 'The delivery: its attempts, log and status' },
  messageId: {
    ...uuid,
    description: 'The Standard Webhooks message id (`webhook-id` header) it carries, the same on every attempt: its own id, or for a replay the original delivery\'s',
  },
  replayOf: { ...nuuid, description: 'The delivery this one replays; null for a delivery made from an event' },
  webhookId: uuid,
  eventId: { ...uuid, description: 'The domain event delivered' },
  eventType: enumOf(WEBHOOK_EVENT_TYPES),
  status: enumOf(DELIVERY_STATUSES, { description: DELIVERY_STATUS_HELP }),
  attempts: int,
  nextAttemptAt: ntime,
  lastAttemptAt: ntime,
  responseStatus: { ...nint, description: "The receiver's HTTP status at the last attempt" },
  latencyMs: { ...nint, description: 'Of the last attempt' },
  error: { ...nstr, description: 'Why the last attempt failed' },
  deliveredAt: ntime,
  occurredAt: time,
  createdAt: time,
};

/** Webhook subscriptions and their delivery log (webhook-subscriptions.service, webhook-delivery-log.service). */
export const WEBHOOKS_SCHEMAS: Record<string, Schema> = {
  Webhook: o(
    {
      id: uuid,
      url: { type: 'string', format: 'uri' },
      events: arr(enumOf(WEBHOOK_EVENT_TYPES)),
      description: nstr,
      active: bool,
      disabledAt: {
        ...ntime,
        description:
          'Since when the webhook sends nothing: paused (pausedAt is set too), or disabled after every delivery failed for ' +
          'WEBHOOK_DISABLE_AFTER_HOURS (72 by default). Either way its deliveries are held — those waiting, those of new events, and ' +
          'those given up during the outage that disabled it — until PATCH active: true, which sends them in the order the events ' +
          'occurred, signed afresh. Held deliveries are kept however long that takes: the log retention (WEBHOOK_LOG_RETENTION_DAYS) ' +
          'counts from when a delivery finished; deleting the webhook cancels them instead. null while it is active',
      },
      disabledReason: { ...nstr, description: "Why it sends nothing: 'paused through the API', or the failures that disabled it" },
      failingSince: { ...ntime, description: 'Since when every delivery has failed (no success since); null after a success or a re-enable' },
      pausedAt: {
        ...ntime,
        description:
          'Since when the webhook is paused (PATCH active: false): its deliveries are held, not attempted and not dropped, however long the pause, ' +
          'until it is resumed; null when it is not paused (a webhook disabled for failing has disabledAt without pausedAt)',
      },
      secretRotatedAt: { ...ntime, description: 'When the current signing secret was issued by a rotation; null: the secret from creation' },
      previousSecretExpiresAt: {
        ...ntime,
        description: 'Until when deliveries also carry a signature with the secret the last rotation replaced; null when none does',
      },
      createdBy: str,
      createdAt: time,
      updatedAt: time,
      secret: { type: 'string', example: 'whsec_…', description: 'Signing secret; only in the answers to POST (create, rotate-secret), shown once' },
    },
    ['secret'],
  ),
  WebhookPage: page('Webhook'),
  LeadMqlWebhookData: {
    ...o({
      leadId: uuid,
      from: nstr,
      to: { type: 'string', enum: ['mql'] },
      actor: str,
      reason: { ...str, description: 'Why the lead became an MQL, e.g. high_intent_event or mql_rule' },
      eventId: { ...nuuid, description: 'The behaviour event that promoted the lead, if one did' },
      ...LEAD_PICTURE,
    }, Object.keys(LEAD_PICTURE)),
    description:
      'The `data` of a `lead.mql` webhook: the promotion, and the picture sales need, taken once when the event is relayed: ' +
      'the same picture (snapshotAt included) as the `handoff.created` of that promotion carries, when it creates a hand-off. ' +
      'A lead erased before the event was relayed has only the promotion fields.',
  },
  HandoffClosedWebhookData: {
    ...o({
      handoffId: uuid,
      leadId: uuid,
      ownerId: { ...nuuid, description: 'The rep it was with when it was closed' },
      status: enumOf(HANDOFF_STATUSES, { description: 'The status it was closed with: `expired` (went_cold) or `rejected` (the others)' }),
      reason: enumOf(HANDOFF_CLOSE_REASONS, {
        description: '`went_cold`, `disqualified` or `customer` (the lead set to that stage by hand), `erased` (GDPR)',
      }),
      closedAt: time,
      closedBy: { ...str, description: '`system` (went_cold), the API key that set the stage, or `gdpr-erasure`' },
    }),
    description:
      'The `data` of a `handoff.closed` webhook: the system closed a hand-off that was waiting for sales (it leaves the sales queue), ' +
      'recorded in the transaction that closed it. Ids only: no personal data, also for an erased lead. Sales\' own answers (accept, ' +
      'reject, outcome) send none; a new owner is `handoff.reassigned`. The hand-off shows the same closedAt and closeReason.',
  },
  WebhookDelivery: o(delivery),
  WebhookDeliveryPage: page('WebhookDelivery'),
  WebhookDeliveryDetail: o({
    ...delivery,
    body: {
      ...o({ type: enumOf(WEBHOOK_EVENT_TYPES), timestamp: time, data: obj }),
      description: 'The body sent (signed as it is); `data` of `lead.mql` is a LeadMqlWebhookData, of `handoff.closed` a HandoffClosedWebhookData, ' +
        'of the other `handoff.*` a Handoff (with what the event adds)',
    },
    attemptLog: arr(o({ attempt: int, at: time, responseStatus: nint, latencyMs: nint, error: nstr })),
  }),
};
