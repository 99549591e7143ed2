import { MESSAGE_KINDS, MESSAGE_STATUSES } from '../email/email-message.types.js';
import { enumOf, int, nint, nstr, ntime, nuuid, o, page, time, uuid, type Schema } from './schema-kit.js';

/** Email delivery as operators see it (email-stats.service). */
export const EMAIL_SCHEMAS: Record<string, Schema> = {
  EmailStats: o({
    messages: { ...o(Object.fromEntries(MESSAGE_STATUSES.map((status) => [status, int]))), description: 'Messages per delivery status' },
    heldAfterCrash: { ...int, description: 'Held because a worker died mid-send: maybe delivered, so never re-sent until released by hand' },
    hardBounces: { ...int, description: 'Messages that bounced hard' },
    oldestQueuedAt: { ...ntime, description: 'When the longest-waiting queued message is due; null when none is queued' },
  }),
  EmailMessage: o({
    id: uuid,
    kind: enumOf(MESSAGE_KINDS),
    leadId: { ...nuuid, description: 'null for a test send (or once the lead is erased)' },
    to: { ...nstr, description: 'The address it was sent to (test sends, and nurture emails once sent)' },
    templateId: nuuid,
    templateVersion: nint,
    locale: nstr,
    enrollmentId: { ...nuuid, description: 'The enrollment whose step sent it (nurture emails of a program)' },
    stepId: nstr,
    status: enumOf(MESSAGE_STATUSES),
    statusReason: {
      ...nstr,
      example: 'no_lawful_basis',
      description:
        'Why it was suppressed, failed, held or cancelled. Failed before sending: render_failed (the template could not be rendered), template_without_footer (a version saved before saves checked the footer lacks the unsubscribe link or postal address: lastError names the template, version and locale; publish a new version), template_missing, invalid_recipient. Cancelled: its enrollment ended early before it was sent: unenrolled (by hand), archived (its program), converted (goal met) or its other exit reason',
    },
    attempts: int,
    lastError: { ...nstr, description: 'The last SMTP reply or error' },
    subject: nstr,
    smtpMessageId: nstr,
    createdAt: time,
    sendingAt: ntime,
    sentAt: ntime,
    failedAt: ntime,
  }),
  EmailMessagePage: page('EmailMessage'),
};
