import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import { NurtureMailer } from '../email/nurture-mailer.js';
import { ANY_STATUS_SQL } from './enrollment-writer.js';
import { view, type EnrollmentRow, type EnrollmentView } from './enrollments.service.js';
import { EnrollmentWakeups } from './scheduler/enrollment-wakeups.js';

/** The exit reason of an enrollment ended by hand through the API, and the reason its cancelled emails carry. */
export const UNENROLLED = 'unenrolled';

/** Taking one lead out of one program by hand. */
@Injectable()
export class EnrollmentExits {
  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock,
    private readonly mailer: NurtureMailer,
    private readonly wakeups: EnrollmentWakeups,
  ) {}

  /**
   * Ends the lead's active enrollment in the program: `exited`, reason `unenrolled`, `exitedBy` the actor; in the
   * same transaction its emails still queued are cancelled (one being sent goes out; see NurtureMailer.cancelQueued).
   * The lead is locked first, as scoring, lead upserts and the scheduler's claim do: a batch running the enrollment's
   * step holds its row until it commits, then this sees where the step left it, and cancels the email it queued; a
   * batch that starts after this finds the enrollment ended. Idempotent: when the lead's latest enrollment in the
   * program was already ended this way, that enrollment is returned unchanged. 404 when the program or the lead does
   * not exist or the lead was never enrolled in it; 409 (`not_enrolled`) when its latest enrollment ended otherwise.
   */
  async unenroll(programId: string, leadId: string, actor: string): Promise<EnrollmentView> {
    const { enrollment, wakeAt } = await this.db.transaction(async (m) => {
      const [program]: { id: string }[] = await m.query(`SELECT id FROM programs WHERE id = $1`, [programId]);
      if (!program) throw DomainError.notFound('Program', programId);
      const [lead]: { id: string }[] = await m.query(`SELECT id FROM leads WHERE id = $1 FOR NO KEY UPDATE`, [leadId]);
      if (!lead) throw DomainError.notFound('Lead', leadId);
      const [active]: { id: string; next_run_at: Date | null }[] = await m.query(
        `SELECT id, next_run_at FROM enrollments WHERE program_id = $1 AND lead_id = $2 AND status = 'active' FOR UPDATE`,
        [programId, leadId],
      );
      if (!active) return { enrollment: await this.endedBefore(m, programId, leadId), wakeAt: null };
      const now = this.clock.now().toISOString();
      const [ended]: EnrollmentRow[] = await m.query(
        `WITH ended AS (
           UPDATE enrollments SET status = 'exited', exit_reason = $2, exited_by = $3, next_run_at = NULL, finished_at = $4, updated_at = $4
            WHERE id = $1 RETURNING *
         ) SELECT * FROM ended`,
        [active.id, UNENROLLED, actor, now],
      );
      await this.mailer.cancelQueued(m, [active.id], UNENROLLED);
      return { enrollment: view(ended), wakeAt: active.next_run_at };
    });
    if (wakeAt) await this.wakeups.cancel([{ id: enrollment.id, at: wakeAt }]);
    return enrollment;
  }

  /** The lead's latest enrollment in the program when it was already unenrolled (a repeat); else why not. */
  private async endedBefore(m: EntityManager, programId: string, leadId: string): Promise<EnrollmentView> {
    const [latest]: EnrollmentRow[] = await m.query(
      `SELECT * FROM enrollments WHERE program_id = $1 AND lead_id = $2 AND ${ANY_STATUS_SQL} ORDER BY enrolled_at DESC LIMIT 1`,
      [programId, leadId],
    );
    if (!latest) throw DomainError.notFound(`Enrollment in program ${programId} of lead`, leadId);
    if (latest.status === 'exited' && latest.exit_reason === UNENROLLED) return view(latest);
    const how = latest.exit_reason ? `${latest.status} (${latest.exit_reason})` : latest.status;
    const when = latest.finished_at ? ` at ${latest.finished_at.toISOString()}` : '';
    throw DomainError.conflict(
      `Lead ${leadId} is not enrolled in this program: its last enrollment (${latest.id}) ended ${how}${when}.`,
      'not_enrolled',
    );
  }
}
