import { registerDecorator } from 'class-validator';
import { isEmailAddress } from '../leads/email.util.js';

/**
 * What the sender puts in the SMTP envelope and the To header: a plain local@domain with a host name, no
 * IP-literal domain (`a@[127.0.0.1]`), quotes, brackets, comments or separators that could add recipients.
 */
const SAFE_ADDRESS = /^[^\s@<>()",;:\\[\]]{1,64}@[A-Za-z0-9.-]{1,255}$/;

/** Whether a message can be sent to this address (the check the composer makes before every send). */
export function isSendableAddress(value: unknown): value is string {
  return typeof value === 'string' && SAFE_ADDRESS.test(value);
}

/** class-validator: an email address (trimmed) that the sender will accept, so it is refused now rather than failing after a 202. */
export function IsSendableAddress() {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isSendableAddress',
      target: object.constructor,
      propertyName,
      options: { message: `${propertyName} must be an email address like name@example.be (no IP address, quotes, brackets or comments)` },
      validator: { validate: (v: unknown) => isEmailAddress(v) && isSendableAddress(v.trim()) },
    });
}
