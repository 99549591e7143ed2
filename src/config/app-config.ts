import { createPrivateKey } from 'node:crypto';
import { DEFAULT_OFFICE_WEEK, validateOfficeWeek, type OfficeWeek } from '../handoffs/domain/office-hours.js';
import type { SlaConfig } from '../handoffs/domain/sla.js';

/**
 * The one place that reads the environment. Every variable is parsed and validated here;
 * a wrong value stops start-up with a message naming the variable.
 */
export type ProcessRole = 'all' | 'api' | 'worker';

export interface AppConfig {
  nodeEnv: string;
  production: boolean;
  databaseUrl: string;
  redisUrl: string;
  /** Prefix for BullMQ keys, so several installations (or test files) can share one Redis. */
  queuePrefix: string;
  port: number;
  host: string;
  processRole: ProcessRole;
  publicBaseUrl: string;
  adminApiKey: string;
  trackingSecret: string;
  defaultTimezone: string;
  defaultLocale: string;
  logLevel: string;
  bodyLimitBytes: number;
  runMigrations: boolean;
  dbPoolSize: number;
  /** Serve the Swagger UI at /docs (the JSON at /docs-json is always served). */
  docsUi: boolean;
  /** Serve the BullMQ dashboard at /admin/queues (admin key required). */
  queueDashboard: boolean;
  /** How often the scoring sweep looks for events not yet scored (ms). */
  scoringSweepMs: number;
  /** Events older than this many months are anonymised or deleted by the retention job (0 = keep forever). */
  eventRetentionMonths: number;
  retentionMode: 'anonymise' | 'delete';
  /** Email delivery: SMTP relay or development mailbox, sender, DKIM, rate limit, retries. */
  email: EmailConfig;
  /** Tracking: a click this soon after the message was sent is a link scanner's (ms; TRACKING_SCANNER_WINDOW_SECONDS). */
  trackingScannerWindowMs: number;
  /** Tracking: clicks on different links of one message this close together are a scanner's burst (ms). */
  trackingBurstWindowMs: number;
  /** Tracking: how often a worker drains buffered opens/clicks into PostgreSQL (ms), and the most it takes at once. */
  trackingDrainMs: number;
  trackingDrainBatch: number;
  /** Tracking: drain loops per worker process, so PostgreSQL writes one batch while the next is read. */
  trackingDrainConcurrency: number;
  /** Tracking: buffered hits a crashed worker had taken are taken over after this long (ms). */
  trackingReclaimIdleMs: number;
  /** Tracking: how many sent messages' links the API keeps in memory for click redirects. */
  trackingLinkCacheSize: number;
  /** Nurture programs: the scheduler's tick, claim size and concurrency, and the global frequency cap. */
  programs: ProgramsConfig;
  /** Outbox relay: how often workers publish recorded domain events to their consumers. */
  outbox: OutboxConfig;
  /** Sales hand-off: office week, SLA per priority, breach watch. */
  handoffs: HandoffsConfig;
  /** Webhook deliveries to sales tools. */
  webhooks: WebhooksConfig;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string, fallback?: string): string {
  const v = env[name];
  if (v === undefined || v.trim() === '') {
    if (fallback === undefined) throw new ConfigError(`${name} is required`);
    return fallback;
  }
  return v.trim();
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const v = raw.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(v)) return true;
  if (['false', '0', 'no'].includes(v)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const v = str(env, name, fallback);
  if (!(allowed as readonly string[]).includes(v)) throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${v}"`);
  return v as T;
}

function url(env: Env, name: string, fallback: string, protocols: string[]): string {
  const v = str(env, name, fallback);
  let parsed: URL;
  try {
    parsed = new URL(v);
  } catch {
    throw new ConfigError(`${name} is not a valid URL`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must use ${protocols.join(' or ')}, got ${parsed.protocol}`);
  }
  return v;
}

function timezone(env: Env, name: string, fallback: string): string {
  const v = str(env, name, fallback);
  try {
    new Intl.DateTimeFormat('en', { timeZone: v });
  } catch {
    throw new ConfigError(`${name} is not a known IANA time zone: "${v}"`);
  }
  return v;
}

const DEV_ADMIN_KEY = 'dev-admin-key-change-me';
const DEV_TRACKING_SECRET = 'dev-tracking-secret-change-me-0123456789';

export function loadConfig(env: Env = process.env): AppConfig {
  const nodeEnv = str(env, 'NODE_ENV', 'development');
  const production = nodeEnv === 'production';
  const role = str(env, 'PROCESS_ROLE', 'all');
  if (!['all', 'api', 'worker'].includes(role)) {
    throw new ConfigError(`PROCESS_ROLE must be all, api or worker, got "${role}"`);
  }
  const adminApiKey = str(env, 'ADMIN_API_KEY', production ? undefined : DEV_ADMIN_KEY);
  if (adminApiKey.length < 16) throw new ConfigError('ADMIN_API_KEY must be at least 16 characters');
  const trackingSecret = str(env, 'TRACKING_SECRET', production ? undefined : DEV_TRACKING_SECRET);
  if (trackingSecret.length < 32) throw new ConfigError('TRACKING_SECRET must be at least 32 characters');
  const port = int(env, 'PORT', 3000, 0, 65535);
  const locale = str(env, 'DEFAULT_LOCALE', 'nl');
  if (!/^[a-z]{2}(-[A-Z]{2})?$/.test(locale)) throw new ConfigError(`DEFAULT_LOCALE must look like "nl" or "nl-BE", got "${locale}"`);
  const logLevel = str(env, 'LOG_LEVEL', 'info');
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent`);
  }
  const publicBaseUrl = url(env, 'PUBLIC_BASE_URL', `http://localhost:${port}`, ['http:', 'https:']).replace(/\/+$/, '');
  return {
    nodeEnv,
    production,
    databaseUrl: url(env, 'DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/nurture', ['postgres:', 'postgresql:']),
    redisUrl: url(env, 'REDIS_URL', 'redis://127.0.0.1:6379', ['redis:', 'rediss:']),
    queuePrefix: str(env, 'QUEUE_PREFIX', 'nurture'),
    port,
    host: str(env, 'HOST', '0.0.0.0'),
    processRole: role as ProcessRole,
    publicBaseUrl,
    adminApiKey,
    trackingSecret,
    defaultTimezone: timezone(env, 'DEFAULT_TIMEZONE', 'Europe/Brussels'),
    defaultLocale: locale,
    logLevel,
    bodyLimitBytes: int(env, 'BODY_LIMIT_BYTES', 5 * 1024 * 1024, 1024, 100 * 1024 * 1024),
    runMigrations: bool(env, 'RUN_MIGRATIONS', true),
    dbPoolSize: int(env, 'DB_POOL_SIZE', 20, 1, 500),
    docsUi: bool(env, 'DOCS_UI', true),
    queueDashboard: bool(env, 'QUEUE_DASHBOARD', true),
    scoringSweepMs: int(env, 'SCORING_SWEEP_MS', 2000, 100, 600000),
    eventRetentionMonths: int(env, 'EVENT_RETENTION_MONTHS', 24, 0, 1200),
    retentionMode: oneOf(env, 'RETENTION_MODE', ['anonymise', 'delete'] as const, 'anonymise'),
    email: loadEmailConfig(env),
    trackingScannerWindowMs: int(env, 'TRACKING_SCANNER_WINDOW_SECONDS', 10, 0, 3600) * 1000,
    trackingBurstWindowMs: int(env, 'TRACKING_BURST_WINDOW_MS', 2000, 0, 60000),
    trackingDrainMs: int(env, 'TRACKING_DRAIN_MS', 150, 10, 10000),
    trackingDrainBatch: int(env, 'TRACKING_DRAIN_BATCH', 2000, 1, 20000),
    trackingDrainConcurrency: int(env, 'TRACKING_DRAIN_CONCURRENCY', 2, 1, 16),
    trackingReclaimIdleMs: int(env, 'TRACKING_RECLAIM_IDLE_MS', 30000, 100, 3600000),
    trackingLinkCacheSize: int(env, 'TRACKING_LINK_CACHE_SIZE', 50000, 0, 10000000),
    programs: loadProgramsConfig(env),
    outbox: loadOutboxConfig(env),
    handoffs: loadHandoffsConfig(env),
    webhooks: loadWebhooksConfig(env),
  };
}

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

function optionalUrl(env: Env, name: string): string | null {
  return (env[name] ?? '').trim() === '' ? null : url(env, name, '', ['http:', 'https:']);
}

function loadEmailConfig(env: Env): EmailConfig {
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
      address: str(env, 'SENDER_ADDRESS', ''),
      website: optionalUrl(env, 'SENDER_WEBSITE'),
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

/** How the program scheduler runs. */
export interface ProgramsConfig {
  /** How often a worker looks for due enrollments (ms; PROGRAMS_TICK_MS). */
  tickMs: number;
  /** Enrollments claimed per transaction (PROGRAMS_CLAIM_BATCH). */
  claimBatch: number;
  /** Claim loops per worker process (PROGRAMS_CONCURRENCY). */
  concurrency: number;
  /** Enrollments due within this many ms after a run also get a delayed wake-up job (PROGRAMS_WAKE_AHEAD_MS; 0 = tick only). */
  wakeAheadMs: number;
  /** At most `max` nurture emails per lead per rolling window, across programs (FREQUENCY_CAP_MAX, FREQUENCY_CAP_DAYS). */
  frequencyCap: { max: number; windowMs: number };
}

function loadProgramsConfig(env: Env): ProgramsConfig {
  return {
    tickMs: int(env, 'PROGRAMS_TICK_MS', 300, 20, 60_000),
    claimBatch: int(env, 'PROGRAMS_CLAIM_BATCH', 50, 1, 1000),
    concurrency: int(env, 'PROGRAMS_CONCURRENCY', 2, 1, 32),
    wakeAheadMs: int(env, 'PROGRAMS_WAKE_AHEAD_MS', 60_000, 0, 3_600_000),
    frequencyCap: { max: int(env, 'FREQUENCY_CAP_MAX', 3, 1, 100), windowMs: int(env, 'FREQUENCY_CAP_DAYS', 7, 1, 90) * 86_400_000 },
  };
}

/** The outbox relay (OUTBOX_RELAY_MS, OUTBOX_RELAY_BATCH, OUTBOX_MAX_ATTEMPTS). */
export interface OutboxConfig {
  /** How often each worker looks for unpublished events (ms). */
  relayMs: number;
  /** Events claimed per transaction. */
  batch: number;
  /** An event whose consumers failed this many times is left unpublished for an operator (last_error says why). */
  maxAttempts: number;
}

function loadOutboxConfig(env: Env): OutboxConfig {
  return {
    relayMs: int(env, 'OUTBOX_RELAY_MS', 250, 10, 60_000),
    batch: int(env, 'OUTBOX_RELAY_BATCH', 200, 1, 5000),
    maxAttempts: int(env, 'OUTBOX_MAX_ATTEMPTS', 10, 1, 1000),
  };
}

/** Sales hand-off settings. */
export interface HandoffsConfig {
  /** When sales is at work (OFFICE_HOURS JSON `{"zone", "days"}`, HOLIDAYS `2026-12-25,2027-01-01`); SLAs count only this time. */
  officeWeek: OfficeWeek;
  /** Office minutes sales has to answer, per priority (SLA_HIGH_MINUTES 15, SLA_MEDIUM_MINUTES 1440, SLA_LOW_MINUTES 4320). */
  slaMinutes: SlaConfig;
  /** Give a hand-off whose SLA was missed to the next rep, with a new deadline (SLA_REASSIGN). */
  slaReassign: boolean;
  /** How often a worker looks for missed SLAs (ms; SLA_SWEEP_MS). */
  slaSweepMs: number;
}

function officeWeek(env: Env): OfficeWeek {
  let week: Record<string, unknown> = { zone: DEFAULT_OFFICE_WEEK.zone, days: DEFAULT_OFFICE_WEEK.days };
  const raw = (env.OFFICE_HOURS ?? '').trim();
  if (raw) {
    try {
      const parsed: unknown = JSON.parse(raw);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      week = { ...week, ...(parsed as Record<string, unknown>) };
    } catch {
      throw new ConfigError('OFFICE_HOURS must be JSON like {"zone":"Europe/Brussels","days":{"mon":[{"from":"09:00","to":"17:00"}],…}}');
    }
  }
  const holidays = (env.HOLIDAYS ?? '').split(',').map((h) => h.trim()).filter(Boolean);
  const candidate = { holidays: [], ...week, ...(holidays.length ? { holidays } : {}) };
  const errors = validateOfficeWeek(candidate);
  if (errors.length) {
    const name = (f: string) => (f.startsWith('holidays') && holidays.length ? 'HOLIDAYS' : 'OFFICE_HOURS');
    throw new ConfigError(errors.map((e) => `${name(e.field)}: ${e.field} ${e.message}`).join('; '));
  }
  return candidate as OfficeWeek;
}

function loadHandoffsConfig(env: Env): HandoffsConfig {
  return {
    officeWeek: officeWeek(env),
    slaMinutes: {
      high: int(env, 'SLA_HIGH_MINUTES', 15, 1, 525_600),
      medium: int(env, 'SLA_MEDIUM_MINUTES', 24 * 60, 1, 525_600),
      low: int(env, 'SLA_LOW_MINUTES', 72 * 60, 1, 525_600),
    },
    slaReassign: bool(env, 'SLA_REASSIGN', false),
    slaSweepMs: int(env, 'SLA_SWEEP_MS', 15_000, 20, 3_600_000),
  };
}

/** Webhook delivery settings. */
export interface WebhooksConfig {
  /** Allow webhook URLs on loopback and private addresses (WEBHOOK_ALLOW_PRIVATE_NETWORKS; development, on-premise). */
  allowPrivateNetworks: boolean;
  /** A receiver that does not answer within this is a failed attempt (ms; WEBHOOK_TIMEOUT_MS). */
  timeoutMs: number;
  /** Deliveries one worker process sends at once (WEBHOOK_CONCURRENCY). */
  concurrency: number;
  /** How often the delivery sweep runs (ms; WEBHOOK_SWEEP_MS). */
  sweepMs: number;
  /** A delivery due this long (ms) without a live job lost it (Redis) and is dispatched again (WEBHOOK_REDISPATCH_AFTER_MS). */
  redispatchAfterMs: number;
  /** A delivery 'sending' this long (ms) lost its worker; it is retried (receivers de-duplicate on webhook-id). */
  sendingTimeoutMs: number;
  /** A subscription whose deliveries have failed without a success for this long is disabled (WEBHOOK_DISABLE_AFTER_HOURS). */
  disableAfterMs: number;
}

function loadWebhooksConfig(env: Env): WebhooksConfig {
  const timeoutMs = int(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000);
  return {
    allowPrivateNetworks: bool(env, 'WEBHOOK_ALLOW_PRIVATE_NETWORKS', false),
    timeoutMs,
    concurrency: int(env, 'WEBHOOK_CONCURRENCY', 20, 1, 500),
    sweepMs: int(env, 'WEBHOOK_SWEEP_MS', 5000, 20, 600_000),
    redispatchAfterMs: int(env, 'WEBHOOK_REDISPATCH_AFTER_MS', 30_000, 0, 86_400_000),
    sendingTimeoutMs: Math.max(timeoutMs * 3, 60_000),
    disableAfterMs: int(env, 'WEBHOOK_DISABLE_AFTER_HOURS', 72, 1, 8760) * 3_600_000,
  };
}

/** Injection token for the validated configuration. */
export const APP_CONFIG = Symbol('APP_CONFIG');
