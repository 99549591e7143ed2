import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { Clock } from '../common/clock.js';
import { DomainError, ErrorCode } from '../common/domain-error.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { QUEUES, type DeliverEmailJob } from '../infra/queue/queue-names.js';
import { classifyDeliveryFailure, retryDelayMs, type DeliveryFailure } from './domain/delivery-failure.js';
import { TemplateError } from './domain/template-error.js';
import { EmailMessagesRepository, type ClaimedMessage } from './email-messages.repository.js';
import { DELIVER_JOB, deliveryJobId } from './delivery-job.js';
import { MessageComposer, type ComposedEmail } from './message-composer.service.js';
import { SendRateLimiter } from './send-rate-limiter.js';
import { MailTransport } from './transport/mail-transport.js';

export type DeliveryOutcome = 'sent' | 'retry' | 'failed' | 'suppressed' | 'skipped';

/**
 * Delivers one message, at most once. The worker waits for its slot in the shared send rate, then claims
 * the row (queued → sending); a duplicate job or a second worker finds nothing to claim and does nothing.
 * Suppression is checked in the claim, right before sending. A temporary failure puts the message back in
 * the queue with a backoff; a permanent one fails it (a hard bounce suppresses the address). A worker that
 * dies mid-send leaves the row 'sending'; the sweep holds it rather than risk a second copy.
 */
@Injectable()
export class DeliveryService {
  private readonly logger = new Logger(DeliveryService.name);

  constructor(
    private readonly messages: EmailMessagesRepository,
    private readonly composer: MessageComposer,
    private readonly transport: MailTransport,
    private readonly rate: SendRateLimiter,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(QUEUES.emailDelivery) private readonly queue: Queue<DeliverEmailJob>,
  ) {}

  async deliver(messageId: string): Promise<DeliveryOutcome> {
    await this.rate.acquire();
    const message = await this.messages.claim(messageId, this.clock.now());
    if (!message) return 'skipped';
    const suppressed = suppressionReason(message);
    if (suppressed) {
      await this.messages.markSuppressed(message.id, suppressed);
      return 'suppressed';
    }

    let email: ComposedEmail;
    try {
      email = await this.composer.compose(message, this.clock.now());
    } catch (err) {
      const reason = unsendableReason(err);
      if (!reason) return this.afterFailure(message, { kind: 'temporary', detail: errorText(err) });
      await this.messages.markFailed(message.id, this.clock.now(), reason, errorText(err));
      this.logger.warn({ messageId: message.id, reason, problem: errorText(err) }, 'email cannot be sent');
      return 'failed';
    }

    await this.messages.recordRender(message.id, email.record);
    try {
      await this.transport.send(email.mail);
    } catch (err) {
      return this.afterFailure(message, classifyDeliveryFailure(err), email.record.to);
    }
    await this.messages.markSent(message.id, this.clock.now(), email.messageIdHeader);
    return 'sent';
  }

  private async afterFailure(message: ClaimedMessage, failure: DeliveryFailure, to?: string): Promise<DeliveryOutcome> {
    const now = this.clock.now();
    if (failure.kind === 'permanent') {
      const bounce = failure.hardBounce && to ? { email: to, leadId: message.leadId } : undefined;
      await this.messages.markFailed(message.id, now, bounce ? 'hard_bounce' : 'rejected', failure.detail, bounce);
      this.logger.warn({ messageId: message.id, hardBounce: !!bounce, reply: failure.detail }, 'email refused by the server');
      return 'failed';
    }
    if (message.attempts >= this.config.email.maxAttempts) {
      await this.messages.markFailed(message.id, now, 'retries_exhausted', failure.detail);
      this.logger.warn({ messageId: message.id, attempts: message.attempts, reply: failure.detail }, 'email given up after retries');
      return 'failed';
    }
    const delay = retryDelayMs(message.attempts, this.config.email.retryBaseMs);
    await this.messages.markRetry(message.id, new Date(now.getTime() + delay), failure.detail);
    try {
      await this.queue.add(DELIVER_JOB, { messageId: message.id }, { jobId: deliveryJobId(message.id, message.attempts), delay });
    } catch (err) {
      this.logger.warn({ err, messageId: message.id }, 'could not schedule the retry; the delivery sweep will');
    }
    return 'retry';
  }
}

/** Why this message must not be sent to its recipient, or null. */
export function suppressionReason(message: ClaimedMessage): string | null {
  if (message.kind === 'nurture' && !message.lead) return 'lead_erased';
  if (message.consentStatus === 'withdrawn') return 'consent_withdrawn';
  return message.suppressedReason;
}

/** Failures that retrying cannot fix: the template does not render, it is gone, the address is unusable. */
function unsendableReason(err: unknown): string | null {
  if (err instanceof TemplateError) return 'render_failed';
  if (err instanceof DomainError) return err.code === ErrorCode.NotFound ? 'template_missing' : 'invalid_recipient';
  return null;
}

function errorText(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).slice(0, 500);
}
