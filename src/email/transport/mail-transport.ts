/** One email ready to go: the envelope, the signed MIME message, and what a person reads (for the dev mailbox). */
export interface OutgoingMail {
  /** The email_messages row it belongs to. */
  messageId: string;
  envelope: { from: string; to: string };
  raw: Buffer;
  /** The Message-ID header of `raw`, with angle brackets (so the SMTP client need not make one up). */
  messageIdHeader: string;
  subject: string;
  html: string;
  text: string;
}

export interface SentMail {
  /** The server's final reply, e.g. `250 2.0.0 Ok: queued as 4bX…`. */
  response: string;
}

/**
 * Where email goes: an SMTP relay, or the development mailbox when SMTP_URL is not set. Failures are thrown
 * as the SMTP client reports them (`responseCode`, `response`, `code`); see classifyDeliveryFailure.
 */
export abstract class MailTransport {
  abstract readonly kind: 'smtp' | 'dev-mailbox';
  abstract send(mail: OutgoingMail): Promise<SentMail>;
  /** Checks that the relay can be reached and accepts us (for health checks). */
  abstract verify(): Promise<void>;
}
