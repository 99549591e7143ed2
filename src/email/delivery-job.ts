import type { DeliverEmailJob } from '../infra/queue/queue-names.js';

/** The BullMQ job name for a delivery. */
export const DELIVER_JOB = 'deliver';

/** The most messages one dispatched job names (they are delivered together: shared statements, one job). */
export const DELIVERY_BATCH = 50;

/**
 * One job id per message and attempt: dispatching the same attempt twice adds one job, and the sweep can
 * tell whether the job for a queued message is still alive. (BullMQ ids may not contain ':'.)
 */
export function deliveryJobId(messageId: string, attempts: number): string {
  return `${messageId}_${attempts}`;
}

/**
 * The id of a job naming several messages: from its first message and attempt and how many it names, so
 * dispatching the same batch twice adds one job. The sweep finds its messages in the job's data.
 */
export function deliveryBatchJobId(first: { id: string; attempts: number }, count: number): string {
  return `batch_${first.id}_${first.attempts}_${count}`;
}

/** The message ids a delivery job names, each once. */
export function jobMessageIds(job: DeliverEmailJob): string[] {
  const ids = job.messageIds ? [...job.messageIds] : [];
  if (job.messageId) ids.unshift(job.messageId);
  return [...new Set(ids)];
}
