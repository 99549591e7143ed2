import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ReplaySecret } from '../common/idempotency.interceptor.js';
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import { decodeCursor, pageOf, type Page, type PageQuery } from '../common/pagination.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { generateWebhookSecret, livePreviousSecretExpiry, previousSecretExpiry } from './domain/index.js';
import type { CreateWebhookDto, UpdateWebhookDto } from './dto/create-webhook.dto.js';
import { SecretBox } from './secret-box.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';
import { WebhookUrlGuard } from './webhook-url-guard.js';

interface SubscriptionRow {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  active: boolean;
  disabled_at: Date | null;
  disabled_reason: string | null;
  failing_since: Date | null;
  paused_at: Date | null;
  secret_rotated_at: Date | null;
  previous_secret_expires_at: Date | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

export interface WebhookView {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  active: boolean;
  disabledAt: string | null;
  disabledReason: string | null;
  failingSince: string | null;
  /** Since when the webhook is paused (its deliveries held until it is resumed); null when it is not. */
  pausedAt: string | null;
  /** When the current signing secret was issued by a rotation; null while it is the one from creation. */
  secretRotatedAt: string | null;
  /** Until when deliveries are also signed with the secret the last rotation replaced; null when none is. */
  previousSecretExpiresAt: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

const COLUMNS = `id, url, events, description, active, disabled_at, disabled_reason, failing_since, paused_at, secret_rotated_at, previous_secret_expires_at,
  created_by, created_at, updated_at`;

/** A subscription as the API shows it at `now` (a previous secret whose grace has passed shows as none). */
const view = (r: SubscriptionRow, now: Date): WebhookView => ({
  id: r.id,
  url: r.url,
  events: r.events,
  description: r.description,
  active: r.active,
  disabledAt: r.disabled_at?.toISOString() ?? null,
  disabledReason: r.disabled_reason,
  failingSince: r.failing_since?.toISOString() ?? null,
  pausedAt: r.paused_at?.toISOString() ?? null,
  secretRotatedAt: r.secret_rotated_at?.toISOString() ?? null,
  previousSecretExpiresAt: livePreviousSecretExpiry(r.previous_secret_expires_at, now)?.toISOString() ?? null,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

/**
 * Webhook subscriptions: a URL (checked against the SSRF policy), the events it wants, and a signing
 * secret shown once at creation (or at a rotation) and kept encrypted. Reading never returns the secret.
 */
@Injectable()
export class WebhookSubscriptionsService {
  private readonly logger = new Logger(WebhookSubscriptionsService.name);
  private readonly secrets: SecretBox;

  constructor(
    private readonly db: DataSource,
    private readonly guard: WebhookUrlGuard,
    private readonly dispatcher: WebhookDispatcher,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.secrets = new SecretBox(config.trackingSecret);
  }

  async create(dto: CreateWebhookDto, actor: string): Promise<WebhookView & { secret: string }> {
    await this.checkUrl(dto.url);
    const id = randomUUID();
    const secret = generateWebhookSecret(randomBytes);
    const now = this.clock.now();
    const [row]: SubscriptionRow[] = await this.db.query(
      `INSERT INTO webhook_subscriptions (id, url, events, description, secret_encrypted, created_by, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING ${COLUMNS}`,
      [id, dto.url, dto.events, dto.description ?? null, this.secrets.seal(secret, id), actor, now.toISOString()],
    );
    return { ...view(row, now), secret };
  }

  /**
   * Replaces the signing secret with a new one, returned once. The replaced secret keeps signing (as a second
   * signature, after the new one's) for `graceSeconds`, so receivers can switch over without refusing
   * deliveries; 0 revokes it at once. Only two secrets exist at most: rotating again during a grace makes the
   * then-current secret the previous one and drops the older one. One statement: of two rotations at once,
   * the second waits for the first and keeps the secret the first issued as its previous one.
   */
  async rotateSecret(id: string, graceSeconds: number, actor: string): Promise<WebhookView & { secret: string }> {
    const now = this.clock.now();
    const previousExpiresAt = previousSecretExpiry(now, graceSeconds);
    const secret = generateWebhookSecret(randomBytes);
    const [row]: SubscriptionRow[] = await this.db.query(
      `WITH u AS (
         UPDATE webhook_subscriptions
            SET previous_secret_encrypted = CASE WHEN $3::timestamptz IS NULL THEN NULL ELSE secret_encrypted END,
                previous_secret_expires_at = $3, secret_encrypted = $2, secret_rotated_at = $4, updated_at = $4
          WHERE id = $1 AND deleted_at IS NULL RETURNING ${COLUMNS})
       SELECT * FROM u`,
      [id, this.secrets.seal(secret, id), previousExpiresAt?.toISOString() ?? null, now.toISOString()],
    );
    if (!row) throw DomainError.notFound('Webhook', id);
    this.logger.log({ webhookId: id, graceSeconds, by: actor }, 'webhook signing secret rotated');
    return { ...view(row, now), secret };
  }

  /**
   * The signing secret of a subscription (decrypted) if it is still the one issued at creation (`rotatedAt`
   * null) or by the rotation at `rotatedAt`; null when the subscription no longer exists or a later rotation
   * replaced that secret. For idempotent replays of create and rotate-secret only.
   */
  async secretOf(id: string, rotatedAt: string | null): Promise<string | null> {
    const [row]: { secret_encrypted: string }[] = await this.db.query(
      `SELECT secret_encrypted FROM webhook_subscriptions WHERE id = $1 AND deleted_at IS NULL AND secret_rotated_at IS NOT DISTINCT FROM $2::timestamptz`,
      [id, rotatedAt],
    );
    return row ? this.secrets.open(row.secret_encrypted, id) : null;
  }

  async list(q: PageQuery): Promise<Page<WebhookView>> {
    const limit = q.limit ?? 50;
    const after = decodeCursor(q.cursor, ['timestamp', 'uuid']);
    const rows: SubscriptionRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM webhook_subscriptions
        WHERE deleted_at IS NULL AND ($1::timestamptz IS NULL OR (created_at, id) > ($1::timestamptz, $2::uuid))
        ORDER BY created_at, id LIMIT $3`,
      [after?.[0] ?? null, after?.[1] ?? null, limit + 1],
    );
    const now = this.clock.now();
    return pageOf(rows.map((r) => view(r, now)), limit, (w) => [w.createdAt, w.id]);
  }

  async get(id: string): Promise<WebhookView> {
    const [row]: SubscriptionRow[] = await this.db.query(`SELECT ${COLUMNS} FROM webhook_subscriptions WHERE id = $1 AND deleted_at IS NULL`, [id]);
    if (!row) throw DomainError.notFound('Webhook', id);
    return view(row, this.clock.now());
  }

  /**
   * Changes URL, events or description (null clears the description). `active: false` pauses: the waiting
   * deliveries are held, as are those of events while paused — neither attempted nor dropped, however long the
   * pause lasts. A webhook disabled for failing holds its deliveries the same way (see
   * WebhookDeliveriesRepository.disableSubscription). `active: true` resumes a paused webhook or re-enables a
   * disabled one (forgetting past failures): either way its held deliveries go out in the order their events
   * occurred, signed afresh (see WebhookDeliveryService.drain). A null URL, event list or `active` never gets
   * here: the DTO refuses it.
   */
  async update(id: string, dto: UpdateWebhookDto): Promise<WebhookView> {
    if (dto.url !== undefined) await this.checkUrl(dto.url);
    const at = this.clock.now();
    const now = at.toISOString();
    const { view: changed, resumed } = await this.db.transaction(async (m) => {
      const [before]: SubscriptionRow[] = await m.query(`SELECT ${COLUMNS} FROM webhook_subscriptions WHERE id = $1 AND deleted_at IS NULL FOR UPDATE`, [id]);
      if (!before) throw DomainError.notFound('Webhook', id);
      const enabling = dto.active === true && !before.active;
      const pausing = dto.active === false && before.active;
      const [row]: SubscriptionRow[] = await m.query(
        `WITH u AS (
           UPDATE webhook_subscriptions SET url = coalesce($2, url), events = coalesce($3, events), description = CASE WHEN $9 THEN $4 ELSE description END,
                  active = coalesce($5, active),
                  disabled_at = CASE WHEN $6 THEN NULL WHEN $7 THEN $8::timestamptz ELSE disabled_at END,
                  disabled_reason = CASE WHEN $6 THEN NULL WHEN $7 THEN 'paused through the API' ELSE disabled_reason END,
                  failing_since = CASE WHEN $6 THEN NULL ELSE failing_since END,
                  paused_at = CASE WHEN $6 THEN NULL WHEN $7 THEN $8::timestamptz ELSE paused_at END,
                  updated_at = $8
            WHERE id = $1 RETURNING ${COLUMNS})
         SELECT * FROM u`,
        [id, dto.url ?? null, dto.events ?? null, dto.description ?? null, dto.active ?? null, enabling, pausing, now, dto.description !== undefined],
      );
      if (pausing) {
        // Held, not abandoned: they keep their attempts so far, and go out when the webhook is resumed.
        await m.query(
          `UPDATE webhook_deliveries SET status = 'held', next_attempt_at = NULL, updated_at = $2
            WHERE subscription_id = $1 AND status IN ('pending','failed')`,
          [id, now],
        );
      }
      return { view: view(row, at), resumed: enabling };
    });
    if (resumed) {
      // If Redis does not take it now, the webhook sweep starts the drain once it can.
      await this.dispatcher.drain([id]).catch((err: unknown) => {
        this.logger.warn({ webhookId: id, err: String(err) }, 'could not start sending the held deliveries; the webhook sweep will');
      });
    }
    return changed;
  }

  /**
   * Deletes a webhook: it is gone for the API (404) and sends nothing more — its waiting and held deliveries end
   * as cancelled — and its secrets are wiped at once. The row stays as a tombstone, so its delivery log and what
   * a lead's export says was shared with it remain until the retention sweep deletes them.
   */
  async remove(id: string): Promise<void> {
    const now = this.clock.now().toISOString();
    await this.db.transaction(async (m) => {
      const [row]: { id: string }[] = await m.query(
        `WITH d AS (
           UPDATE webhook_subscriptions SET deleted_at = $2, active = false, paused_at = NULL, secret_encrypted = '',
                  previous_secret_encrypted = NULL, previous_secret_expires_at = NULL, updated_at = $2
            WHERE id = $1 AND deleted_at IS NULL RETURNING id)
         SELECT * FROM d`,
        [id, now],
      );
      if (!row) throw DomainError.notFound('Webhook', id);
      await m.query(
        `UPDATE webhook_deliveries SET status = 'cancelled', next_attempt_at = NULL, last_error = 'webhook deleted', updated_at = $2
          WHERE subscription_id = $1 AND status IN ('pending','failed','held')`,
        [id, now],
      );
    });
  }

  private async checkUrl(url: string): Promise<void> {
    const verdict = await this.guard.check(url);
    if (!verdict.ok) throw DomainError.invalidField('url', verdict.reason);
  }
}

/**
 * A retried create or rotate-secret (same Idempotency-Key) gets the secret that request issued back from its
 * encrypted column: the stored response leaves it out (see IdempotentReplayWithoutSecret), so the secret is
 * never kept in clear. The stored answer's `secretRotatedAt` (null for a create) says which secret that was;
 * should a later rotation have replaced it, the replay carries no secret. (A retried rotation is not run
 * again: a second rotation would drop the secret that receivers still use.)
 */
@Injectable()
export class WebhookSecretReplay implements ReplaySecret {
  readonly field = 'secret';

  constructor(private readonly subscriptions: WebhookSubscriptionsService) {}

  secretFor(stored: Record<string, unknown>): Promise<string | null> {
    if (typeof stored.id !== 'string') return Promise.resolve(null);
    // Answers stored before rotation existed have no secretRotatedAt: they are creates.
    return this.subscriptions.secretOf(stored.id, typeof stored.secretRotatedAt === 'string' ? stored.secretRotatedAt : null);
  }
}
