import type { EntityManager } from 'typeorm';

export interface NurtureEmailRequest {
  /** Unique per send: a program step uses `enrollment:<id>:step:<stepId>:visit:<n>`; a repeat returns the first message. */
  idempotencyKey: string;
  leadId: string;
  templateId: string;
  enrollmentId?: string | null;
  stepId?: string | null;
  /** A/B variant label, recorded with the message. */
  variant?: string | null;
  subjectOverride?: string | null;
}

export interface NurtureEmailOutcome {
  messageId: string;
  /** queued: will be delivered; suppressed: the lead must not be mailed (reason given); duplicate: the key was seen before. */
  status: 'queued' | 'suppressed' | 'duplicate';
  reason?: string;
}

/**
 * The contract between programs and email delivery. `enqueue` runs inside the caller's transaction and
 * only writes the message row (so the step and its email commit together); `dispatch` is called after
 * commit and hands the ids to the delivery queue (a sweep re-dispatches anything left queued).
 */
export abstract class NurtureMailer {
  abstract enqueue(manager: EntityManager, request: NurtureEmailRequest): Promise<NurtureEmailOutcome>;
  abstract dispatch(messageIds: string[]): Promise<void>;
  /**
   * Inside the caller's transaction, cancels the messages of the enrollments (ended early) still queued (status
   * `cancelled`, with `reason`), in one statement: a delivery that read one before finds nothing to claim. Messages
   * already being sent, held or sent are left as they are (the claim cancels any the caller's enrollments leave
   * queued later). Returns how many were cancelled.
   */
  abstract cancelQueued(manager: EntityManager, enrollmentIds: string[], reason: string): Promise<number>;
}
