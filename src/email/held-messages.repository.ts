import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { capSendTime, fitsFrequencyCap, nextAllowedSend, type FrequencyCap } from '../programs/domain/frequency-cap.js';
import { endedEnrollmentSql, HELD_REASON, type ReleaseResult } from './email-message.types.js';
import { nurtureSendsSql } from './nurture-sends.js';

/**
 * Messages whose send was cut off: 'sending' for too long → held (their worker died, maybe after the SMTP server
 * accepted them), never re-sent automatically; an operator who checked that one did not arrive puts it back in the
 * queue.
 */
@Injectable()
export class HeldMessagesRepository {
  constructor(private readonly db: DataSource) {}

  /** Messages claimed before `before` and never finished: their worker died, maybe after the server accepted them. */
  async holdStuck(before: Date): Promise<string[]> {
    const rows: { id: string }[] = await this.db.query(
      `WITH held AS (
         UPDATE email_messages SET status = 'held', status_reason = '${HELD_REASON}'
         WHERE status = 'sending' AND sending_at < $1
         RETURNING id
       ) SELECT id FROM held`,
      [before.toISOString()],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Puts a held message back in the queue (an operator checked it did not arrive). A held nurture email counted
   * under the frequency cap from when its send began, so the lead's programs may have sent others since: it is
   * released only if sending it now keeps the lead within the cap (counted as the scheduler counts, with the lead
   * locked as the scheduler locks it), else it stays held and `fitsFrom` says when it would fit at the earliest.
   * A nurture email whose enrollment ended early is not released (the claim would cancel it): it stays held and
   * `enrollmentEnded` says why (see {@link endedEnrollmentSql}).
   */
  async release(id: string, now: Date, cap: FrequencyCap): Promise<ReleaseResult> {
    return this.db.transaction(async (m) => {
      const [held]: { kind: string; lead_id: string | null; enrollment_id: string | null; ended: string | null }[] = await m.query(
        `SELECT e.kind, e.lead_id, e.enrollment_id, ${endedEnrollmentSql('en')} AS ended
           FROM email_messages e LEFT JOIN enrollments en ON en.id = e.enrollment_id
          WHERE e.id = $1 AND e.status = 'held' FOR UPDATE OF e`,
        [id],
      );
      if (!held) return { released: false };
      if (held.enrollment_id && held.ended) return { released: false, enrollmentEnded: { id: held.enrollment_id, reason: held.ended } };
      if (held.kind === 'nurture' && held.lead_id) {
        await m.query(`SELECT 1 FROM leads WHERE id = $1 FOR NO KEY UPDATE`, [held.lead_id]);
        const rows: { id: string; status: string; known_at: Date }[] = await m.query(nurtureSendsSql('$1::uuid[]', '$2::timestamptz'), [
          [held.lead_id],
          new Date(now.getTime() - cap.windowMs).toISOString(),
        ]);
        const others = rows.filter((r) => r.id !== id).flatMap((r) => capSendTime(r.status, r.known_at, now) ?? []);
        if (!fitsFrequencyCap(others, now, cap)) return { released: false, fitsFrom: nextAllowedSend(others, now, cap) };
      }
      await m.query(
        `UPDATE email_messages SET status = 'queued', status_reason = NULL, sending_at = NULL, next_attempt_at = $2 WHERE id = $1`,
        [id, now.toISOString()],
      );
      return { released: true };
    });
  }
}
