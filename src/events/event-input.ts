import type { FieldError } from '../common/domain-error.js';
import { unsafeInputFields } from '../common/json-input.js';
import { parseTimestamp } from '../common/timestamp.js';
import { NULL_REFUSED } from '../common/validators/null-input.js';
import { isUuid } from '../common/uuid.pipe.js';
import { isEmailAddress, normalizeEmail } from '../leads/email.util.js';

/** One behaviour event as accepted by POST /api/v1/events, after validation. */
export interface EventInput {
  leadId: string | null;
  email: string | null;
  type: string;
  occurredAt: Date;
  properties: Record<string, unknown>;
  idempotencyKey: string | null;
  /** Whether the client gave occurredAt (else it is the time of receipt): a repeat of a keyed event is compared on it only then. */
  occurredAtGiven: boolean;
}

export const MAX_BATCH = 1000;
const FIELDS = new Set(['leadId', 'email', 'type', 'occurredAt', 'properties', 'idempotencyKey']);
const TYPE = /^[a-z][a-z0-9_]{0,63}$/;
const MAX_FUTURE_MS = 5 * 60_000;
const MAX_PROPERTIES_BYTES = 16_384;

/**
 * Validates one event (hand-written: it runs up to 1,000 times per request and must report every
 * problem with its field path). Returns the event or the list of field errors.
 */
export function parseEventInput(raw: unknown, path: string, now: Date): { event?: EventInput; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const err = (field: string, message: string) => errors.push({ field: `${path}${field}`, message });
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { errors: [{ field: path.replace(/\.$/, '') || 'body', message: 'must be an object' }] };
  }
  // A NUL character anywhere, or nesting too deep to serialise: nothing else of the event is read.
  const unsafe = unsafeInputFields(raw, path.replace(/\.$/, ''));
  if (unsafe.length) return { errors: unsafe };
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!FIELDS.has(k)) err(k, 'is not a known field');
    // Not read as "left out": an occurredAt of null is not "now", nor is an idempotencyKey of null "no key".
    else if (o[k] === null) err(k, NULL_REFUSED);
  }

  let leadId: string | null = null;
  let email: string | null = null;
  if (o.leadId !== undefined && o.leadId !== null) {
    if (isUuid(o.leadId)) leadId = o.leadId.toLowerCase();
    else err('leadId', 'must be a UUID');
  }
  if (o.email !== undefined && o.email !== null) {
    if (isEmailAddress(o.email)) email = normalizeEmail(o.email);
    else err('email', 'must be an email address');
  }
  if (o.leadId === undefined && o.email === undefined) err('email', 'leadId or email is required to identify the lead');

  if (o.type !== null && (typeof o.type !== 'string' || !TYPE.test(o.type))) err('type', 'must be a snake_case event type such as content_downloaded');

  let occurredAt = now;
  if (o.occurredAt !== undefined && o.occurredAt !== null) {
    const t = parseTimestamp(o.occurredAt);
    if (!t) err('occurredAt', 'must be an ISO-8601 timestamp with offset');
    else if (t.getTime() > now.getTime() + MAX_FUTURE_MS) err('occurredAt', 'must not be in the future');
    else if (t.getUTCFullYear() < 2000) err('occurredAt', 'must be after the year 2000');
    else occurredAt = t;
  }

  let properties: Record<string, unknown> = {};
  if (o.properties !== undefined && o.properties !== null) {
    if (typeof o.properties !== 'object' || Array.isArray(o.properties)) err('properties', 'must be an object');
    else if (JSON.stringify(o.properties).length > MAX_PROPERTIES_BYTES) err('properties', `must be at most ${MAX_PROPERTIES_BYTES} bytes`);
    else properties = o.properties as Record<string, unknown>;
  }

  let idempotencyKey: string | null = null;
  if (o.idempotencyKey !== undefined && o.idempotencyKey !== null) {
    if (typeof o.idempotencyKey !== 'string' || o.idempotencyKey.length < 1 || o.idempotencyKey.length > 200) {
      err('idempotencyKey', 'must be a string of 1 to 200 characters');
    } else idempotencyKey = o.idempotencyKey;
  }

  if (errors.length) return { errors };
  return { event: { leadId, email, type: o.type as string, occurredAt, properties, idempotencyKey, occurredAtGiven: o.occurredAt !== undefined }, errors };
}
