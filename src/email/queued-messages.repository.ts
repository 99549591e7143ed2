import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Which queued messages need a delivery job: those just dispatched, and those whose job should have run by now. */
@Injectable()
export class QueuedMessagesRepository {
  constructor(private readonly db: DataSource) {}

  /** Queued messages that were due before `before` (their job should have run by now), oldest first. */
  async overdue(before: Date, limit: number): Promise<{ id: string; attempts: number }[]> {
    return this.db.query(
      `SELECT id, attempts FROM email_messages
       WHERE status = 'queued' AND next_attempt_at < $1
       ORDER BY next_attempt_at LIMIT $2`,
      [before.toISOString(), limit],
    );
  }

  /** The attempt number of each id that is still queued (the others need no job). */
  async queuedAttempts(ids: string[]): Promise<{ id: string; attempts: number }[]> {
    if (!ids.length) return [];
    return this.db.query(`SELECT id, attempts FROM email_messages WHERE id = ANY($1::uuid[]) AND status = 'queued'`, [ids]);
  }
}
