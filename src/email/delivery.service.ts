import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import { DomainError, ErrorCode } from '../common/domain-error.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { QUEUES, type DeliverEmailJob } from '../infra/queue/queue-names.js';
import { DELIVER_JOB, deliveryJobId } from './delivery-job.js';
import { classifyDeliveryFailure, retryDelayMs, type DeliveryFailure } from './domain/delivery-failure.js';
import { TemplateError } from './domain/template-error.js';
import { RENDER_FAILED } from './domain/renderer.js';
import { emailHash } from '../suppression/email-hash.js';
import { SoftBounceService } from '../suppression/soft-bounce.service.js';
import { sendBlock } from '../suppression/lawful-basis.js';
import { EmailDeliveryRepository } from './email-delivery.repository.js';
import type { PendingMessage } from './email-message.types.js';
import { MessageComposer, type ComposedEmail } from './message-composer.service.js';
import { SendRateLimiter } from './send-rate-limiter.js';
import { MailTransport } from './transport/mail-transport.js';

/** `cancelled`: a nurture email whose enrollment ended early (EmailDeliveryRepository.claim). */
export type DeliveryOutcome = 'sent' | 'retry' | 'failed' | 'suppressed' | 'cancelled' | 'skipped';

/**
 * Delivers one message, at most once. The worker reads the queued row and renders it, waits for its slot
 * in the shared send rate, then claims the row (queued → sending) in one statement that also checks the
 * suppression list and that the email's enrollment has not ended early, and stores the tracked links; one read
 * as not to be sent is neither rendered nor given a slot. A duplicate job or a second worker finds nothing to claim
 * and sends nothing. A temporary failure puts the message back in the queue with a backoff, until EMAIL_MAX_ATTEMPTS
 * (a message given up on after a 4xx about it counts as a soft bounce of the address); a permanent one
 * fails it (a hard bounce suppresses the address). A worker that dies after the claim leaves the row
 * 'sending'; the sweep holds it rather than risk a second copy. One that dies before it leaves it queued.
 */
@Injectable()
export class DeliveryService {
  private readonly logger = new Logger(DeliveryService.name);

  constructor(
    private readonly messages: EmailDeliveryRepository,
    private readonly composer: MessageComposer,
    private readonly transport: MailTransport,
    private readonly rate: SendRateLimiter,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(QUEUES.emailDelivery) private readonly queue: Queue<DeliverEmailJob>,
    private readonly softBounces: SoftBounceService,
  ) {}

  /**
   * Delivers several messages together (their reads, claims and outcomes share statements). Each is decided
   * on its own; if any could not be (the database was away), this throws after all have settled so the job
   * is retried — the ones already sent are no longer queued and are skipped then.
   */
  async deliverMany(messageIds: string[]): Promise<DeliveryOutcome[]> {
    // Under a send rate the batch gains nothing from all waiting for slots at once, and renders in bursts
    // make the sends bunch: then EMAIL_CONCURRENCY in flight, shared by the two jobs a worker runs at once.
    const limit = this.rate.limited ? Math.max(1, Math.ceil(this.config.email.concurrency / 2)) : messageIds.length;
    const settled: PromiseSettledResult<DeliveryOutcome>[] = new Array(messageIds.length);
    const recorded: Promise<void>[] = [];
    const unrecorded: unknown[] = [];
    let next = 0;
    const lane = async () => {
      while (next < messageIds.length) {
        const i = next++;
        settled[i] = await this.attempt(messageIds[i]).then(
          (value) => {
            // A lane goes on with its next message while the 'sent' is written (those writes share statements).
            if (value.recorded) {
              recorded.push(value.recorded.catch((reason: unknown) => void unrecorded.push(reason)));
            }
            return { status: 'fulfilled', value: value.outcome } as const;
          },
          (reason: unknown) => ({ status: 'rejected', reason }) as const,
        );
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, messageIds.length) }, lane));
    await Promise.all(recorded);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    if (unrecorded.length) throw unrecorded[0];
    return settled.map((s) => (s as PromiseFulfilledResult<DeliveryOutcome>).value);
  }

  async deliver(messageId: string): Promise<DeliveryOutcome> {
    const { outcome, recorded } = await this.attempt(messageId);
    await recorded;
    return outcome;
  }

  /** One delivery; once sent, `recorded` is the write of the 'sent' state (still to be awaited). */
  private async attempt(messageId: string): Promise<{ outcome: DeliveryOutcome; recorded?: Promise<void> }> {
    const message = await this.messages.load(messageId);
    if (!message) return { outcome: 'skipped' };
    if (suppressionReason(message) || message.enrollmentEnded) return { outcome: await this.withhold(message) };

    let email: ComposedEmail;
    try {
      email = await this.composer.compose(message, this.clock.now());
    } catch (err) {
      const reason = unsendableReason(err);
      if (!reason) throw err; // e.g. the database is briefly away: the job is retried, the row is still queued
      await this.messages.markFailed(message.id, this.clock.now(), reason, errorText(err));
      this.logger.warn({ messageId: message.id, reason, problem: errorText(err) }, 'email cannot be sent');
      return { outcome: 'failed' };
    }

    await this.rate.acquire();
    const claim = await this.messages.claim(message.id, this.clock.now(), emailHash(email.record.to), email.record);
    if (!claim) return { outcome: 'skipped' };
    if (claim.status !== 'sending') return { outcome: claim.status };
    try {
      await this.transport.send(email.mail);
    } catch (err) {
      return { outcome: await this.afterFailure(message, claim.attempts, classifyDeliveryFailure(err), email.record.to) };
    }
    return { outcome: 'sent', recorded: persist(() => this.messages.markSent(message.id, this.clock.now(), email.messageIdHeader)) };
  }

  /** Records why the message is not sent, suppressed or cancelled (the claim checks again and decides). */
  private async withhold(message: PendingMessage): Promise<DeliveryOutcome> {
    const recipient = message.kind === 'test' ? message.toAddress : message.lead?.email;
    const claim = await this.messages.claim(message.id, this.clock.now(), recipient ? emailHash(recipient) : '', null);
    if (claim?.status === 'sending') {
      // Suppressed when read, no longer when claimed (the lead consented again in between): send it next time.
      await this.messages.markRetry(message.id, this.clock.now(), 'suppression lifted while sending');
      await this.dispatchRetry(message.id, claim.attempts, 0);
      return 'retry';
    }
    return claim ? claim.status : 'skipped';
  }

  private async afterFailure(message: PendingMessage, attempts: number, failure: DeliveryFailure, to: string): Promise<DeliveryOutcome> {
    const now = this.clock.now();
    if (failure.kind === 'permanent') {
      const bounce = failure.hardBounce ? { email: to, leadId: message.leadId } : undefined;
      await persist(() => this.messages.markFailed(message.id, now, bounce ? 'hard_bounce' : 'rejected', failure.detail, bounce));
      this.logger.warn({ messageId: message.id, hardBounce: !!bounce, reply: failure.detail }, 'email refused by the server');
      return 'failed';
    }
    if (attempts >= this.config.email.maxAttempts) {
      // Given up on a 4xx about this message (not our relay's trouble): one soft bounce of the address, recorded
      // with the failure, once per message; SOFT_BOUNCE_LIMIT of them suppress it.
      const softBounce = failure.softBounce
        ? (m: EntityManager) =>
            this.softBounces.record(m, { messageId: message.id, leadId: message.leadId, address: to, reason: failure.detail, source: `smtp:${message.id}`, at: now })
        : undefined;
      await persist(() => this.messages.markFailed(message.id, now, 'retries_exhausted', failure.detail, undefined, softBounce));
      this.logger.warn({ messageId: message.id, attempts, reply: failure.detail, softBounce: failure.softBounce }, 'email given up after retries');
      return 'failed';
    }
    const delay = retryDelayMs(attempts, this.config.email.retryBaseMs);
    await persist(() => this.messages.markRetry(message.id, new Date(now.getTime() + delay), failure.detail));
    await this.dispatchRetry(message.id, attempts, delay);
    return 'retry';
  }

  private async dispatchRetry(messageId: string, attempts: number, delay: number): Promise<void> {
    try {
      await this.queue.add(DELIVER_JOB, { messageId }, { jobId: deliveryJobId(messageId, attempts), delay });
    } catch (err) {
      this.logger.warn({ err, messageId }, 'could not schedule the retry; the delivery sweep will');
    }
  }
}

/**
 * Records an outcome after the email left: retried briefly, because if it is lost the message stays
 * 'sending' and is held as ambiguous although we know what happened.
 */
async function persist(write: () => Promise<void>): Promise<void> {
  for (const wait of [250, 1000, 0]) {
    try {
      return await write();
    } catch (err) {
      if (!wait) throw err;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

/** Why this message must not be sent to its recipient, as read before the claim (which checks again). */
export function suppressionReason(message: PendingMessage): string | null {
  if (message.kind === 'nurture' && !message.lead) return 'lead_erased';
  if (message.kind === 'nurture') return sendBlock(message.consentStatus, message.suppressedReason);
  return message.suppressedReason;
}

/**
 * Failures that retrying cannot fix: the template does not render (or says why not, e.g. `template_without_footer`),
 * it is gone, the address is unusable.
 */
function unsendableReason(err: unknown): string | null {
  if (err instanceof TemplateError) return err.reason ?? RENDER_FAILED;
  if (err instanceof DomainError) return err.code === ErrorCode.NotFound ? 'template_missing' : 'invalid_recipient';
  return null;
}

function errorText(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).slice(0, 500);
}
