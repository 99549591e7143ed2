/** The BullMQ job name for a delivery. */
export const DELIVER_JOB = 'deliver';

/**
 * One job id per message and attempt: dispatching the same attempt twice adds one job, and the sweep can
 * tell whether the job for a queued message is still alive. (BullMQ ids may not contain ':'.)
 */
export function deliveryJobId(messageId: string, attempts: number): string {
  return `${messageId}_${attempts}`;
}
