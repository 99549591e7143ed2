import type { DomainEventType } from '../lifecycle/outbox.js';

/** Domain events a webhook subscription can receive. */
export const WEBHOOK_EVENT_TYPES = [
  'lead.created',
  'lead.mql',
  'lead.stage_changed',
  'lead.unsubscribed',
  'handoff.created',
  'handoff.sla_breached',
  'handoff.reassigned',
  'handoff.escalated',
  'handoff.closed',
] as const satisfies readonly DomainEventType[];

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
