import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { nextAttemptDelayMs, signingSecrets, webhookHeaders } from './domain/index.js';
import { Batcher } from '../common/batcher.js';
import { SecretBox } from './secret-box.js';
import { WebhookDeliveriesRepository, type AttemptRecord, type ClaimedDelivery } from './webhook-deliveries.repository.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';
import { WebhookSender } from './webhook-sender.js';
import { WebhookUrlGuard } from './webhook-url-guard.js';

/**
 * How an attempt ended; `held`: it failed and its webhook is paused or disabled (meanwhile, or by this failure);
 * `cancelled`: it failed after its webhook was deleted meanwhile.
 */
export type WebhookAttemptOutcome = 'delivered' | 'retry' | 'abandoned' | 'skipped' | 'held' | 'cancelled';

/** Random numbers for the retry jitter; tests replace it to fix the schedule. */
export const WEBHOOK_RANDOM = Symbol('WEBHOOK_RANDOM');

/**
 * One delivery attempt: claim the row, check the URL against the SSRF policy again, sign the body per
 * Standard Webhooks (webhook-id = the message id: the delivery's, or for a replay the original's; the same on
 * every attempt) at send time — with the current
 * secret, and also with the one a rotation replaced while its grace lasts — and POST it. A 2xx delivers;
 * anything else is retried on the schedule of `nextAttemptDelayMs` (30 s doubling, at most three days),
 * then abandoned. A subscription failing without a success for WEBHOOK_DISABLE_AFTER_HOURS is disabled: what it
 * still had to send is held, as while paused, and goes out in event order once it is re-enabled (see drain).
 * The claims and the successes of attempts running at once in this process are written in batches (one
 * statement for many jobs); each job still waits for its own row to be written before it completes.
 */
@Injectable()
export class WebhookDeliveryService {
  private readonly logger = new Logger(WebhookDeliveryService.name);
  private readonly secrets: SecretBox;
  private readonly claims = new Batcher<string, ClaimedDelivery | null>((ids) => this.deliveries.claimMany(ids, this.clock.now()));
  private readonly successes = new Batcher<{ d: ClaimedDelivery; at: Date; attempt: AttemptRecord }, void>(async (items) => {
    await this.deliveries.markManyDelivered(items);
    return items.map(() => undefined);
  });

  constructor(
    private readonly db: DataSource,
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly sender: WebhookSender,
    private readonly guard: WebhookUrlGuard,
    private readonly dispatcher: WebhookDispatcher,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(WEBHOOK_RANDOM) private readonly random: () => number,
  ) {
    this.secrets = new SecretBox(config.trackingSecret);
  }

  async attempt(deliveryId: string): Promise<WebhookAttemptOutcome> {
    const d = await this.claims.submit(deliveryId);
    if (!d) return 'skipped';
    return this.attemptClaimed(d);
  }

  /**
   * Sends a resumed (or re-enabled) webhook's held deliveries one at a time, oldest event first, each signed at
   * send time — so the receiver gets them in the order the events occurred. Stops when none is left or the webhook
   * is not active any more. When one fails (it is retried on its schedule, like any), order cannot be kept anyway: the
   * rest are put on the usual path at once rather than waiting behind it. One drain per webhook at a time across
   * processes (a PostgreSQL advisory lock); a second one returns at once. It ends only once no delivery is held
   * after every relay batch that was adding one for the webhook has committed (claimLastHeld): an event held
   * behind the drain while it was running goes out in this drain, not at the next sweep — a queued drain of its
   * own would find this one's job still running and not be added. Returns how many it sent.
   */
  async drain(subscriptionId: string): Promise<number> {
    const runner = this.db.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }]: { locked: boolean }[] = await runner.query(`SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked`, [`webhook-drain:${subscriptionId}`]);
      if (!locked) return 0;
      try {
        let sent = 0;
        for (;;) {
          const d =
            (await this.deliveries.claimNextHeld(subscriptionId, this.clock.now())) ?? (await this.deliveries.claimLastHeld(subscriptionId, this.clock.now()));
          if (!d) return sent;
          sent++;
          if ((await this.attemptClaimed(d)) === 'delivered') continue;
          const rest = await this.deliveries.releaseHeld(subscriptionId, this.clock.now());
          if (rest.length) {
            this.logger.warn({ subscriptionId, count: rest.length }, 'a held webhook delivery failed on resume; the rest go out on the usual schedule');
            await this.dispatcher.dispatch(rest).catch((err: unknown) => {
              this.logger.warn({ subscriptionId, err: String(err) }, 'could not queue the released deliveries; the sweep will');
            });
          }
          return sent;
        }
      } finally {
        await runner.query(`SELECT pg_advisory_unlock(hashtextextended($1, 0))`, [`webhook-drain:${subscriptionId}`]);
      }
    } finally {
      await runner.release();
    }
  }

  private async attemptClaimed(d: ClaimedDelivery): Promise<WebhookAttemptOutcome> {
    const result = await this.send(d);
    const now = this.clock.now();
    if (result.error === null) {
      await this.successes.submit({ d, at: now, attempt: result });
      return 'delivered';
    }
    const delay = nextAttemptDelayMs(d.attempts, this.random);
    const next = delay === null ? null : new Date(now.getTime() + delay);
    const { status, failingSince } = await this.deliveries.markFailed(d, now, result, next);
    if (status === 'held' || status === 'cancelled') return status;
    if (now.getTime() - failingSince.getTime() >= this.config.webhooks.disableAfterMs) {
      const hours = Math.round(this.config.webhooks.disableAfterMs / 3_600_000);
      const reason = `every delivery failed for ${hours} hours (since ${failingSince.toISOString()}); last: ${result.error}`;
      if (await this.deliveries.disableSubscription(d.subscription_id, now, reason)) {
        this.logger.warn({ subscriptionId: d.subscription_id, failingSince: failingSince.toISOString() }, 'webhook subscription disabled; its deliveries are held');
      }
      return 'held';
    }
    if (next === null) {
      this.logger.warn({ deliveryId: d.id, subscriptionId: d.subscription_id, attempts: d.attempts }, 'webhook delivery abandoned after its retries');
      return 'abandoned';
    }
    try {
      await this.dispatcher.dispatch([{ id: d.id, attempts: d.attempts }], next.getTime() - now.getTime());
    } catch (err) {
      this.logger.warn({ deliveryId: d.id, err: String(err) }, 'could not schedule the webhook retry; the sweep will');
    }
    return 'retry';
  }

  private async send(d: ClaimedDelivery): Promise<AttemptRecord> {
    const check = await this.guard.check(d.url);
    if (!check.ok) return { statusCode: null, latencyMs: 0, error: `url refused: ${check.reason}` };
    const sentAt = this.clock.now();
    let signWith: string[];
    try {
      const current = this.secrets.open(d.secret_encrypted, d.subscription_id);
      const previous =
        d.previous_secret_encrypted !== null && d.previous_secret_expires_at !== null
          ? { secret: this.secrets.open(d.previous_secret_encrypted, d.subscription_id), expiresAt: d.previous_secret_expires_at }
          : null;
      signWith = signingSecrets(current, previous, sentAt);
    } catch {
      return { statusCode: null, latencyMs: 0, error: 'the signing secret cannot be read (was TRACKING_SECRET changed?)' };
    }
    const body = JSON.stringify({ type: d.event_type, timestamp: d.occurred_at.toISOString(), data: d.payload });
    const headers = webhookHeaders(signWith, d.message_id, sentAt, body);
    return this.sender.post(d.url, body, { ...headers });
  }
}
