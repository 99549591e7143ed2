/** The BullMQ job name for a webhook delivery attempt. */
export const WEBHOOK_JOB = 'deliver';

/**
 * One job id per delivery and attempt number already made: dispatching the same attempt twice adds one
 * job, and the sweep can tell whether a due delivery still has a live job. (BullMQ ids may not contain ':'.)
 */
export function webhookJobId(deliveryId: string, attempts: number): string {
  return `${deliveryId}_${attempts}`;
}

/** The BullMQ job name for sending a resumed webhook's held deliveries, one at a time in order. */
export const WEBHOOK_DRAIN_JOB = 'drain';

/** One drain job per webhook at a time (BullMQ ids may not contain ':'). */
export function webhookDrainJobId(subscriptionId: string): string {
  return `drain_${subscriptionId}`;
}
