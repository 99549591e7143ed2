/**
 * What a failed delivery attempt means for the message. Temporary: try again later (SMTP 4xx, the relay
 * unreachable, a dropped connection). Permanent: give up (SMTP 5xx); a hard bounce — the mailbox does not
 * exist (enhanced status 5.1.x, RFC 3463) — also puts the address on the suppression list.
 */
export type DeliveryFailure =
  | { kind: 'temporary'; detail: string }
  | { kind: 'permanent'; detail: string; hardBounce: boolean };

const ENHANCED_STATUS = /\b([245])\.(\d{1,3})\.(\d{1,3})\b/;
/** Replies of servers that give no enhanced status but say the mailbox is unknown. */
const MAILBOX_UNKNOWN =
  /\b(no such (user|mailbox|recipient)|(user|mailbox|recipient|address)( name)? (unknown|not found|does not exist|doesn't exist|is invalid)|unknown (user|recipient|mailbox))\b/i;
const MAX_DETAIL = 500;

/** Classifies an error from the SMTP client (nodemailer: `responseCode`, `response`, `code`). */
export function classifyDeliveryFailure(err: unknown): DeliveryFailure {
  const e = (err ?? {}) as { responseCode?: unknown; response?: unknown; message?: unknown; code?: unknown };
  const response = typeof e.response === 'string' ? e.response : '';
  const detail = (response || (typeof e.message === 'string' ? e.message : String(err))).replace(/\s+/g, ' ').trim().slice(0, MAX_DETAIL);
  const code = typeof e.responseCode === 'number' ? e.responseCode : null;
  if (code === null || code < 500 || code > 599) return { kind: 'temporary', detail };
  const enhanced = ENHANCED_STATUS.exec(response);
  const hardBounce = enhanced ? enhanced[1] === '5' && enhanced[2] === '1' : [550, 551, 553].includes(code) && MAILBOX_UNKNOWN.test(response);
  return { kind: 'permanent', detail, hardBounce };
}

const MAX_RETRY_DELAY_MS = 3_600_000;

/** How long to wait before attempt `attempt + 1` after attempt `attempt` (1-based) failed temporarily: base · 2^(attempt−1), at most an hour. */
export function retryDelayMs(attempt: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempt - 1), MAX_RETRY_DELAY_MS);
}
