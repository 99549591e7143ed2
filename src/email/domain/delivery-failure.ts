/**
 * What a failed delivery attempt means for the message. Temporary: try again later (SMTP 4xx, the relay
 * unreachable, a dropped connection). Permanent: give up (SMTP 5xx); a hard bounce — the mailbox does not
 * exist (enhanced status 5.1.x, RFC 3463) — also puts the address on the suppression list.
 *
 * A temporary failure is a soft bounce when the server answered this message's recipient or its data with a 4xx
 * reply (mailbox full, greylisting, a domain that cannot be reached from the relay): a message given up on after
 * such a last attempt counts toward the address's soft-bounce limit. Failures that say nothing about the
 * address are not: the relay unreachable, a dropped connection or a timeout, a refused greeting, login or sender,
 * and 421 (RFC 5321: the server is closing the connection, whatever the recipient) — else an outage of our own
 * relay would suppress every address it failed.
 */
export type DeliveryFailure =
  | { kind: 'temporary'; detail: string; softBounce: boolean }
  | { kind: 'permanent'; detail: string; hardBounce: boolean };

const ENHANCED_STATUS = /\b([245])\.(\d{1,3})\.(\d{1,3})\b/;
/** Replies of servers that give no enhanced status but say the mailbox is unknown. */
const MAILBOX_UNKNOWN =
  /\b(no such (user|mailbox|recipient)|(user|mailbox|recipient|address)( name)? (unknown|not found|does not exist|doesn't exist|is invalid)|unknown (user|recipient|mailbox))\b/i;
const MAX_DETAIL = 500;

/** The SMTP commands whose refusal is about the message or its recipient (nodemailer's `command`). */
const MESSAGE_COMMANDS: readonly string[] = ['RCPT TO', 'DATA'];

/** Classifies an error from the SMTP client (nodemailer: `responseCode`, `response`, `code`, `command`). */
export function classifyDeliveryFailure(err: unknown): DeliveryFailure {
  const e = (err ?? {}) as { responseCode?: unknown; response?: unknown; message?: unknown; code?: unknown; command?: unknown };
  const response = typeof e.response === 'string' ? e.response : '';
  const detail = (response || (typeof e.message === 'string' ? e.message : String(err))).replace(/\s+/g, ' ').trim().slice(0, MAX_DETAIL);
  const code = typeof e.responseCode === 'number' ? e.responseCode : null;
  if (code === null || code < 500 || code > 599) {
    const softBounce = code !== null && code >= 400 && code !== 421 && typeof e.command === 'string' && MESSAGE_COMMANDS.includes(e.command);
    return { kind: 'temporary', detail, softBounce };
  }
  const enhanced = ENHANCED_STATUS.exec(response);
  const hardBounce = enhanced ? enhanced[1] === '5' && enhanced[2] === '1' : [550, 551, 553].includes(code) && MAILBOX_UNKNOWN.test(response);
  return { kind: 'permanent', detail, hardBounce };
}

const MAX_RETRY_DELAY_MS = 3_600_000;

/** How long to wait before attempt `attempt + 1` after attempt `attempt` (1-based) failed temporarily: base · 2^(attempt−1), at most an hour. */
export function retryDelayMs(attempt: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempt - 1), MAX_RETRY_DELAY_MS);
}
