/** One email ready to go: the envelope, the signed MIME message, and (for a transport that stores it) what a person reads. */
export interface OutgoingMail {
  /** The email_messages row it belongs to. */
  messageId: string;
  envelope: { from: string; to: string };
  raw: Buffer;
  /** The Message-ID header of `raw`, with angle brackets (so the SMTP client need not make one up). */
  messageIdHeader: string;
  subject: string;
  /**
   * The rendered HTML and text, only for a transport that {@link MailTransport.keepsReadableParts}: a message
   * can wait a while for a pooled SMTP connection, and holding ~40 KB of strings per message in flight made
   * the worker's young-generation collections copy them again and again (a quarter of its CPU).
   */
  readable?: { html: string; text: string };
}

export interface SentMail {
  /** The server's final reply, e.g. `250 2.0.0 Ok: queued as 4bX…`. */
  response: string;
}

/** The transports there are (what /health reports as `smtp.transport`). */
export const MAIL_TRANSPORT_KINDS = ['smtp', 'dev-mailbox'] as const;
export type MailTransportKind = (typeof MAIL_TRANSPORT_KINDS)[number];

/**
 * Where email goes: an SMTP relay, or the development mailbox when SMTP_URL is not set. Failures are thrown
 * as the SMTP client reports them (`responseCode`, `response`, `code`); see classifyDeliveryFailure.
 */
export abstract class MailTransport {
  abstract readonly kind: MailTransportKind;
  /** Whether send() needs {@link OutgoingMail.readable} (the dev mailbox shows it); SMTP sends only the bytes. */
  abstract readonly keepsReadableParts: boolean;
  abstract send(mail: OutgoingMail): Promise<SentMail>;
  /** Checks that the relay can be reached and accepts us (for health checks). */
  abstract verify(): Promise<void>;
}
