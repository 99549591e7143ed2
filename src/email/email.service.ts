import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import { QUEUES, type DeliverEmailJob } from '../infra/queue/queue-names.js';
import { DELIVER_JOB, DELIVERY_BATCH, deliveryBatchJobId, deliveryJobId } from './delivery-job.js';
import { renderEngine } from './domain/render-cache.js';
import { emailHashSql } from '../suppression/email-hash.js';
import { sendBlockSql } from '../suppression/lawful-basis.js';
import { QueuedMessagesRepository } from './queued-messages.repository.js';
import { NurtureMailer, type NurtureEmailOutcome, type NurtureEmailRequest } from './nurture-mailer.js';

/** Jobs per round trip to Redis. */
const DISPATCH_CHUNK = 100;

/**
 * Email as programs and people ask for it. `enqueue` writes the message row inside the caller's
 * transaction (a repeat of the idempotency key returns the first message; a suppressed lead gets a
 * 'suppressed' row and no email); `dispatch` hands the ids to the delivery queue after commit, up to DELIVERY_BATCH per job.
 * Nothing is rendered here: the delivery worker renders right before sending.
 */
@Injectable()
export class EmailService extends NurtureMailer {
  private readonly logger = new Logger(EmailService.name);

  constructor(
    private readonly db: DataSource,
    private readonly messages: QueuedMessagesRepository,
    private readonly clock: Clock,
    @InjectQueue(QUEUES.emailDelivery) private readonly queue: Queue<DeliverEmailJob>,
  ) {
    super();
  }

  async enqueue(manager: EntityManager, request: NurtureEmailRequest): Promise<NurtureEmailOutcome> {
    if (request.subjectOverride) assertTemplateText(request.subjectOverride, 'subjectOverride');
    const now = this.clock.now().toISOString();
    const inserted: { id: string; status: 'queued' | 'suppressed'; status_reason: string | null }[] = await manager.query(
      `WITH lead AS (
         SELECT id, email, consent_status, stage, ${emailHashSql('email_normalized')} AS hash FROM leads WHERE id = $2
       ), tpl AS (
         SELECT id, current_version FROM templates WHERE id = $3 AND archived_at IS NULL
       ), ins AS (
         INSERT INTO email_messages (idempotency_key, kind, lead_id, to_address, template_id, template_version, enrollment_id,
                                     step_id, variant, subject_override, status, status_reason, created_at, next_attempt_at)
         SELECT $1, 'nurture', lead.id, lead.email, tpl.id, tpl.current_version, $4, $5, $6, $7,
                CASE WHEN b.block IS NULL THEN 'queued' ELSE 'suppressed' END, b.block, $8, $8
         FROM lead CROSS JOIN tpl LEFT JOIN suppressions s ON s.email_hash = lead.hash
         CROSS JOIN LATERAL (SELECT coalesce(CASE WHEN lead.stage = 'disqualified' THEN 'disqualified' END,
                                             ${sendBlockSql('lead.consent_status', 's.reason')}) AS block) b
         ON CONFLICT (idempotency_key) DO NOTHING
         RETURNING id, status, status_reason
       ) SELECT * FROM ins`,
      [
        request.idempotencyKey,
        request.leadId,
        request.templateId,
        request.enrollmentId ?? null,
        request.stepId ?? null,
        request.variant ?? null,
        request.subjectOverride ?? null,
        now,
      ],
    );
    if (inserted.length) {
      const [row] = inserted;
      return row.status === 'queued'
        ? { messageId: row.id, status: 'queued' }
        : { messageId: row.id, status: 'suppressed', reason: row.status_reason ?? 'suppressed' };
    }
    const [existing] = await manager.query(`SELECT id FROM email_messages WHERE idempotency_key = $1`, [request.idempotencyKey]);
    if (existing) return { messageId: existing.id, status: 'duplicate' };
    const [lead] = await manager.query(`SELECT 1 FROM leads WHERE id = $1`, [request.leadId]);
    if (!lead) throw DomainError.notFound('Lead', request.leadId);
    throw DomainError.notFound('Template', request.templateId);
  }

  async dispatch(messageIds: string[]): Promise<void> {
    try {
      const queued = await this.messages.queuedAttempts([...new Set(messageIds)]);
      // One job per DELIVERY_BATCH messages (delivered together); a lone message gets its own job id.
      const jobs = [];
      for (let i = 0; i < queued.length; i += DELIVERY_BATCH) {
        const batch = queued.slice(i, i + DELIVERY_BATCH);
        jobs.push(
          batch.length === 1
            ? { name: DELIVER_JOB, data: { messageId: batch[0].id }, opts: { jobId: deliveryJobId(batch[0].id, batch[0].attempts) } }
            : { name: DELIVER_JOB, data: { messageIds: batch.map((m) => m.id) }, opts: { jobId: deliveryBatchJobId(batch[0], batch.length) } },
        );
      }
      // While Redis is unreachable the queue gives up after QUEUE_ADD_WAIT_MS: the caller (often a request) need not wait.
      for (let i = 0; i < jobs.length; i += DISPATCH_CHUNK) await this.queue.addBulk(jobs.slice(i, i + DISPATCH_CHUNK));
    } catch (err) {
      // The rows are committed and queued; the delivery sweep dispatches them.
      this.logger.warn({ err, count: messageIds.length }, 'could not dispatch emails; the delivery sweep will');
    }
  }

  async cancelQueued(manager: EntityManager, enrollmentIds: string[], reason: string): Promise<number> {
    if (!enrollmentIds.length) return 0;
    // The claim (queued → sending) is one statement that re-checks the status once this commits: either it took the
    // message first (it goes out, as it was being sent) or it finds it cancelled and sends nothing.
    const [{ n }]: { n: number }[] = await manager.query(
      `WITH cancelled AS (
         UPDATE email_messages SET status = 'cancelled', status_reason = $2 WHERE enrollment_id = ANY($1::uuid[]) AND status = 'queued' RETURNING 1
       ) SELECT count(*)::int AS n FROM cancelled`,
      [enrollmentIds, reason],
    );
    return n;
  }

  /** Queues one nurture email to a lead and dispatches it (its own transaction). */
  async sendToLead(leadId: string, templateId: string, idempotencyKey: string): Promise<NurtureEmailOutcome> {
    const outcome = await this.db.transaction((m) => this.enqueue(m, { idempotencyKey, leadId, templateId }));
    if (outcome.status === 'queued') await this.dispatch([outcome.messageId]);
    return outcome;
  }

  /**
   * A test send of version `version` of a template (the one the caller checked: see MessageRenderer.checkTestSend)
   * to any address, personalised with sample data.
   */
  async sendTest(
    templateId: string,
    version: number,
    to: string,
    locale: string | null,
  ): Promise<{ messageId: string; status: 'queued' | 'suppressed'; reason?: string }> {
    const rows: { id: string; status: 'queued' | 'suppressed'; status_reason: string | null }[] = await this.db.query(
      `WITH ins AS (
         INSERT INTO email_messages (idempotency_key, kind, to_address, template_id, template_version, locale, status, status_reason,
                                     created_at, next_attempt_at)
         SELECT $1, 'test', $2, t.id, $6::int, $4,
                CASE WHEN s.reason IS NULL THEN 'queued' ELSE 'suppressed' END, s.reason, $5, $5
         FROM templates t LEFT JOIN suppressions s ON s.email_hash = ${emailHashSql('$2::text')}
         WHERE t.id = $3 AND t.archived_at IS NULL
         RETURNING id, status, status_reason
       ) SELECT * FROM ins`,
      [`test:${randomUUID()}`, to, templateId, locale, this.clock.now().toISOString(), version],
    );
    const [row] = rows;
    if (!row) throw DomainError.notFound('Template', templateId);
    if (row.status === 'suppressed') return { messageId: row.id, status: 'suppressed', reason: row.status_reason ?? undefined };
    await this.dispatch([row.id]);
    return { messageId: row.id, status: 'queued' };
  }
}

/** A subject given with a send is Handlebars like the template's own; refuse one that cannot render. */
function assertTemplateText(source: string, field: string): void {
  try {
    renderEngine.precompile(source);
  } catch (err) {
    throw DomainError.invalidField(field, `is not valid Handlebars: ${(err as Error).message.split('\n')[0]}`);
  }
}
