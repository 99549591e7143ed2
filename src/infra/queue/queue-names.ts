/** Every BullMQ queue, by name. Jobs carry ids only; the database row is the truth. */
export const QUEUES = {
  scoring: 'scoring',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** Score the pending events of these leads. */
export interface ScoreLeadsJob {
  leadIds: string[];
}
