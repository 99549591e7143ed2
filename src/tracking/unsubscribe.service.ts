import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { QUEUES, type ScoreLeadsJob } from '../infra/queue/queue-names.js';
import { LeadOptOutService } from '../suppression/lead-opt-out.service.js';
import { SuppressionService } from '../suppression/suppression.service.js';
import { TrackingTokenCodec } from './domain/tracking-token.js';
import { pageLocale, renderUnsubscribePage, type PageLocale } from './domain/unsubscribe-page.js';

export interface UnsubscribePage {
  status: 200 | 404;
  html: string;
}

/**
 * How the unsubscribe arrived: a mailbox provider's RFC 8058 one-click POST, the confirm button on our page,
 * or an email to the `List-Unsubscribe` mailto address, passed on by the relay's inbound webhook.
 */
export type UnsubscribeSource = 'list-unsubscribe' | 'unsubscribe-page' | 'list-unsubscribe-mailto';

/** The token in an unsubscribe email's subject (`unsubscribe:{token}`, as the mailto URI sets it; a client may prefix "Re:" or the like). */
const MAILTO_SUBJECT_TOKEN = /unsubscribe:\s*([A-Za-z0-9_-]{1,64}\.[A-Za-z0-9_-]{1,64})/i;

/** The unsubscribe token in the subject of an email sent to the mailto address, or null. */
export function mailtoSubjectToken(subject: string): string | null {
  return MAILTO_SUBJECT_TOKEN.exec(subject)?.[1] ?? null;
}

/** What an unsubscribe by email did: the message whose token it carried, and the address opted out. */
export interface MailtoUnsubscribe {
  messageId: string;
  email: string | null;
}

interface MessageRecipient {
  id: string;
  lead_id: string | null;
  to_address: string | null;
  template_id: string | null;
  step_id: string | null;
  enrollment_id: string | null;
  email: string | null;
  locale: string | null;
}

/**
 * Unsubscribe links. The token names a message; the lead is the message's recipient, so a token can only
 * ever unsubscribe the person it was sent to. Showing the page changes nothing; the POST opts the lead out
 * (see LeadOptOutService) and is idempotent.
 */
@Injectable()
export class UnsubscribeService {
  private readonly logger = new Logger(UnsubscribeService.name);
  private readonly tokens: TrackingTokenCodec;

  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock,
    private readonly suppressions: SuppressionService,
    private readonly optOut: LeadOptOutService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(QUEUES.scoring) private readonly scoringQueue: Queue<ScoreLeadsJob>,
  ) {
    this.tokens = new TrackingTokenCodec(config.trackingSecret);
  }

  /** The confirmation page (or "you are unsubscribed" when that is already so). Never changes anything. */
  async page(token: string): Promise<UnsubscribePage> {
    const recipient = await this.recipient(token);
    if (!recipient) return this.invalid();
    const locale = this.locale(recipient);
    const address = recipient.email ?? recipient.to_address;
    const done = address ? await this.suppressions.isSuppressed(this.db.manager, recipient.lead_id ?? address) : true;
    return { status: 200, html: renderUnsubscribePage(done ? 'done' : 'confirm', locale, address) };
  }

  /** Opts the message's recipient out at once and answers the localized confirmation. */
  async unsubscribe(token: string, source: UnsubscribeSource): Promise<UnsubscribePage> {
    const recipient = await this.optOutRecipient(token, source);
    if (!recipient) return this.invalid();
    return { status: 200, html: renderUnsubscribePage('done', this.locale(recipient), recipient.email ?? recipient.to_address) };
  }

  /**
   * An email to the `List-Unsubscribe` mailto address (mail clients without one-click send one, with the
   * subject the URI set): opts out the recipient of the message whose token the subject carries. Null when
   * the subject holds no valid token. Idempotent, like the one-click POST.
   */
  async unsubscribeByMail(subject: string): Promise<MailtoUnsubscribe | null> {
    const token = mailtoSubjectToken(subject);
    const recipient = token ? await this.optOutRecipient(token, 'list-unsubscribe-mailto') : null;
    return recipient ? { messageId: recipient.id, email: recipient.email ?? recipient.to_address } : null;
  }

  /** Opts out the recipient of the message the token names; null for a bad token or an unknown message. */
  private async optOutRecipient(token: string, source: UnsubscribeSource): Promise<MessageRecipient | null> {
    const recipient = await this.recipient(token);
    if (!recipient) return null;
    const result = await this.db.transaction((m) =>
      this.optOut.optOut(m, {
        leadId: recipient.lead_id,
        email: recipient.to_address,
        reason: 'unsubscribed',
        source,
        messageId: recipient.id,
        eventProperties: { templateId: recipient.template_id, stepId: recipient.step_id, enrollmentId: recipient.enrollment_id },
        at: this.clock.now(),
      }),
    );
    if (result.eventId && result.leadId) {
      // Not awaited: the person is answered even when Redis is away; the scoring sweep picks the event up then.
      void this.scoringQueue.add('score', { leadIds: [result.leadId] }).catch((err: unknown) => {
        this.logger.warn({ err }, 'could not enqueue scoring of the unsubscribe; the sweep will pick it up');
      });
    }
    return recipient;
  }

  private async recipient(token: string): Promise<MessageRecipient | null> {
    const payload = this.tokens.verify(token, 'u');
    if (!payload) return null;
    const [row]: MessageRecipient[] = await this.db.query(
      `SELECT e.id, e.lead_id, e.to_address, e.template_id, e.step_id, e.enrollment_id, l.email, l.locale
         FROM email_messages e LEFT JOIN leads l ON l.id = e.lead_id WHERE e.id = $1`,
      [payload.m],
    );
    return row ?? null;
  }

  private locale(recipient: MessageRecipient | null): PageLocale {
    return pageLocale(recipient?.locale, this.config.defaultLocale);
  }

  private invalid(): UnsubscribePage {
    return { status: 404, html: renderUnsubscribePage('invalid', this.locale(null)) };
  }
}
