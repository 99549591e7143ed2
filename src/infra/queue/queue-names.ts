/** Every BullMQ queue, by name. Jobs carry ids only; the database row is the truth. */
export const QUEUES = {
  scoring: 'scoring',
  emailDelivery: 'email-delivery',
  programs: 'programs',
  webhooks: 'webhooks',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** Score the pending events of these leads. */
export interface ScoreLeadsJob {
  leadIds: string[];
}

/**
 * Deliver one email message, or several dispatched together (the email_messages rows are the truth; the job
 * may be a duplicate). A job names `messageId`, `messageIds`, or both.
 */
export interface DeliverEmailJob {
  messageId?: string;
  messageIds?: string[];
}

/**
 * Run these enrollments if they are due (ids only; the enrollments table is the truth, the tick finds anything
 * missed), or, without ids, the tick now (a nudge after many enrollments became due at once, e.g. a resume).
 */
export interface RunEnrollmentsJob {
  enrollmentIds?: string[];
}

/** Attempt this webhook delivery (the webhook_deliveries row is the truth; a duplicate job finds nothing to send). */
export interface DeliverWebhookJob {
  deliveryId: string;
}

/** Send this webhook's held deliveries, oldest event first, one at a time (the rows are the truth). */
export interface DrainWebhookJob {
  subscriptionId: string;
}
