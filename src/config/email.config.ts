import { createPrivateKey } from 'node:crypto';
import { ConfigError, int, optionalUrl, str, url, type Env } from './env.js';

/** Where and how email is sent. */
export interface EmailConfig {
  /** SMTP relay (`smtp://user:pass@host:port`, `smtps://…`); null → the development mailbox in PostgreSQL. */
  smtpUrl: string | null;
  /** Pooled SMTP connections per process. */
  smtpMaxConnections: number;
  /** The sender (MAIL_FROM), e.g. `Bakkerij Peeters <tips@example.be>`. */
  from: { name: string | null; address: string };
  /** What templates see as `sender`: name, postal address (footer), website and booking link. */
  sender: { name: string; address: string; website: string | null; bookingUrl: string | null };
  /** The mailto: address in List-Unsubscribe (UNSUBSCRIBE_MAILTO, default unsubscribe@ the sender's domain). */
  unsubscribeMailto: string;
  /** DKIM signing; null when DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY are not set. */
  dkim: { domain: string; selector: string; privateKey: string } | null;
  /** Emails per second across all workers (shared through Redis); 0 = no limit. */
  ratePerSecond: number;
  /** Emails one worker process delivers at once. */
  concurrency: number;
  /** Delivery attempts before a temporarily failing message is given up ('failed'). */
  maxAttempts: number;
  /** First retry delay after a temporary failure (ms); doubles per attempt, at most an hour. */
  retryBaseMs: number;
  /** A message 'sending' longer than this (ms) was cut off mid-send: it is held, never re-sent. */
  sendingTimeoutMs: number;
  /** A 'queued' message this much overdue (ms) has lost its job (Redis) and is dispatched again. */
  redispatchAfterMs: number;
  /** How often the delivery sweep runs (ms). */
  sweepMs: number;
}

const MAILBOX = /^[^\s@<>"]{1,64}@[^\s@<>"]{1,255}$/;

function mailFrom(env: Env): EmailConfig['from'] {
  const raw = str(env, 'MAIL_FROM', 'Nurture <nurture@localhost>');
  const named = /^(.*?)\s*<([^<>]+)>$/.exec(raw);
  const name = named ? named[1].replace(/^"(.*)"$/, '$1').trim() || null : null;
  const address = (named ? named[2] : raw).trim();
  if (!MAILBOX.test(address)) throw new ConfigError(`MAIL_FROM must be "Name <address@domain>" or an address, got "${raw}"`);
  if (name && /[\r\n]/.test(name)) throw new ConfigError('MAIL_FROM must be on one line');
  return { name, address };
}

function dkim(env: Env): EmailConfig['dkim'] {
  const names = ['DKIM_DOMAIN', 'DKIM_SELECTOR', 'DKIM_PRIVATE_KEY'];
  const set = names.filter((n) => (env[n] ?? '').trim() !== '');
  if (set.length === 0) return null;
  if (set.length < names.length) {
    throw new ConfigError(`DKIM signing needs ${names.join(', ')}; missing ${names.filter((n) => !set.includes(n)).join(', ')}`);
  }
  const domain = str(env, 'DKIM_DOMAIN').toLowerCase();
  if (!/^(?=.{1,253}$)([a-z0-9-]{1,63}\.)+[a-z]{2,63}$/.test(domain)) throw new ConfigError(`DKIM_DOMAIN is not a domain name: "${domain}"`);
  const selector = str(env, 'DKIM_SELECTOR');
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(selector)) throw new ConfigError(`DKIM_SELECTOR is not a selector: "${selector}"`);
  // Env files often carry a PEM on one line with literal \n; the key itself never appears in a message.
  const privateKey = str(env, 'DKIM_PRIVATE_KEY').replace(/\\n/g, '\n');
  try {
    if (createPrivateKey(privateKey).asymmetricKeyType !== 'rsa') throw new Error('not rsa');
  } catch {
    throw new ConfigError('DKIM_PRIVATE_KEY must be an RSA private key in PEM format');
  }
  return { domain, selector, privateKey };
}

/**
 * Development stand-ins for the sender's postal address and website, so `npm start` renders the starter
 * templates whole (footer address, call-to-action button) out of the box. Production has no stand-in for the
 * address: every commercial email must carry the sender's real postal address (CAN-SPAM; the layout's footer
 * shows it), so SENDER_ADDRESS is required there.
 */
const DEV_SENDER_ADDRESS = 'Example Street 1, 1000 Brussels, Belgium';
const DEV_SENDER_WEBSITE = 'https://example.com';

export function loadEmailConfig(env: Env, production = false): EmailConfig {
  const smtpUrl = (env.SMTP_URL ?? '').trim() === '' ? null : url(env, 'SMTP_URL', '', ['smtp:', 'smtps:']);
  const from = mailFrom(env);
  const domain = from.address.slice(from.address.lastIndexOf('@') + 1);
  const unsubscribeMailto = str(env, 'UNSUBSCRIBE_MAILTO', `unsubscribe@${domain}`);
  if (!MAILBOX.test(unsubscribeMailto)) throw new ConfigError(`UNSUBSCRIBE_MAILTO must be an email address, got "${unsubscribeMailto}"`);
  return {
    smtpUrl,
    smtpMaxConnections: int(env, 'SMTP_MAX_CONNECTIONS', 5, 1, 100),
    from,
    sender: {
      name: str(env, 'SENDER_NAME', from.name ?? 'Nurture'),
      address: str(env, 'SENDER_ADDRESS', production ? undefined : DEV_SENDER_ADDRESS),
      website: optionalUrl(env, 'SENDER_WEBSITE') ?? (production ? null : DEV_SENDER_WEBSITE),
      bookingUrl: optionalUrl(env, 'SENDER_BOOKING_URL'),
    },
    unsubscribeMailto,
    dkim: dkim(env),
    ratePerSecond: int(env, 'EMAIL_RATE_PER_SECOND', 50, 0, 100000),
    concurrency: int(env, 'EMAIL_CONCURRENCY', 10, 1, 500),
    maxAttempts: int(env, 'EMAIL_MAX_ATTEMPTS', 8, 1, 100),
    retryBaseMs: int(env, 'EMAIL_RETRY_BASE_MS', 60_000, 10, 3_600_000),
    sendingTimeoutMs: int(env, 'EMAIL_SENDING_TIMEOUT_MS', 600_000, 1000, 86_400_000),
    redispatchAfterMs: int(env, 'EMAIL_REDISPATCH_AFTER_MS', 10_000, 100, 86_400_000),
    sweepMs: int(env, 'EMAIL_SWEEP_MS', 5000, 50, 600_000),
  };
}
