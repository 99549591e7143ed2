import { createHmac } from 'node:crypto';
import { DomainError } from '../../common/domain-error.js';

/** Prefix of every endpoint secret, as the Standard Webhooks spec and its libraries expect. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';
/** Random bytes in a new secret (the spec asks for 24 to 64). */
export const WEBHOOK_SECRET_BYTES = 32;

const MIN_KEY_BYTES = 24;
const MAX_KEY_BYTES = 64;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The three headers a Standard Webhooks receiver verifies. */
export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** A new endpoint secret, `whsec_` + base64 of {@link WEBHOOK_SECRET_BYTES} bytes from `randomBytes`. */
export function generateWebhookSecret(randomBytes: (n: number) => Buffer): string {
  const key = randomBytes(WEBHOOK_SECRET_BYTES);
  if (key.length < MIN_KEY_BYTES) {
    throw DomainError.invalidField('secret', `needs at least ${MIN_KEY_BYTES} random bytes, got ${key.length}`);
  }
  return WEBHOOK_SECRET_PREFIX + key.toString('base64');
}

/**
 * The signature header value for one message: `v1,` + base64 HMAC-SHA256 of `${msgId}.${timestamp}.${body}`,
 * keyed with the base64-decoded part of the secret. `body` must be the exact bytes that are sent.
 */
export function signWebhook(secret: string, msgId: string, timestampSeconds: number, body: string): string {
  if (msgId.length === 0) throw DomainError.invalidField('webhook-id', 'must not be empty');
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) {
    throw DomainError.invalidField('webhook-timestamp', 'must be whole seconds since the Unix epoch');
  }
  const signature = createHmac('sha256', secretKey(secret))
    .update(`${msgId}.${timestampSeconds}.${body}`, 'utf8')
    .digest('base64');
  return `v1,${signature}`;
}

/**
 * The headers for delivering `body` as message `msgId` at `at` (timestamp in whole seconds), signed with each
 * of `secrets` in order: the `webhook-signature` value holds one `v1,…` signature per secret, space-delimited,
 * as the spec allows during a secret rotation (the new secret first, then the old one), so a receiver that
 * knows either of them accepts the message.
 */
export function webhookHeaders(secrets: string | readonly string[], msgId: string, at: Date, body: string): WebhookHeaders {
  const keys = typeof secrets === 'string' ? [secrets] : secrets;
  if (keys.length === 0) throw DomainError.invalidField('secret', 'at least one signing secret is needed');
  const timestamp = Math.floor(at.getTime() / 1000);
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': keys.map((secret) => signWebhook(secret, msgId, timestamp, body)).join(' '),
  };
}

/** The HMAC key inside a `whsec_…` secret; refuses anything that is not one of our secrets. */
function secretKey(secret: string): Buffer {
  const encoded = secret.startsWith(WEBHOOK_SECRET_PREFIX) ? secret.slice(WEBHOOK_SECRET_PREFIX.length) : null;
  if (encoded === null || !BASE64.test(encoded)) {
    throw DomainError.invalidField('secret', 'must be whsec_ followed by base64');
  }
  const key = Buffer.from(encoded, 'base64');
  if (key.length < MIN_KEY_BYTES || key.length > MAX_KEY_BYTES) {
    throw DomainError.invalidField('secret', `must hold ${MIN_KEY_BYTES} to ${MAX_KEY_BYTES} bytes`);
  }
  return key;
}
