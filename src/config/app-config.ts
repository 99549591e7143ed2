import { loadEmailConfig, type EmailConfig } from './email.config.js';
import {
  loadHandoffsConfig,
  loadOutboxConfig,
  loadProgramsConfig,
  loadWebhooksConfig,
  type HandoffsConfig,
  type OutboxConfig,
  type ProgramsConfig,
  type WebhooksConfig,
} from './background.config.js';
import { loadSoftBounceConfig, type SoftBounceConfig } from './suppression.config.js';
import { bool, ConfigError, int, oneOf, str, timezone, url, type Env } from './env.js';

export { ConfigError } from './env.js';
export type { EmailConfig } from './email.config.js';
export type { SoftBounceConfig } from './suppression.config.js';
export type { HandoffsConfig, OutboxConfig, ProgramsConfig, WebhooksConfig } from './background.config.js';

/**
 * The one place that reads the environment (with env.ts, email.config.ts, suppression.config.ts and background.config.ts).
 * Every variable is parsed and validated here;
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
  /** ISO 4217 code the funnel's revenue figures are in (REPORTING_CURRENCY); deal values in other currencies are listed apart, never converted. */
  reportingCurrency: string;
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
  /** Queue rows one scoring-sweep transaction takes (SCORING_SWEEP_BATCH; a lead with several waiting events takes fewer leads). */
  scoringSweepBatch: number;
  /** How long shutting down may take after SIGTERM/SIGINT before the process exits anyway (see armShutdownWatchdog). */
  shutdownTimeoutMs: number;
  /**
   * How often a worker vacuums the churning work tables (scoring queue, outbox) when PostgreSQL's own
   * autovacuum is off (ms; WORK_TABLE_VACUUM_MS; 0 = never). With autovacuum on it does nothing.
   */
  workTableVacuumMs: number;
  /** How often a worker refreshes the per-program funnel rows (ms; ANALYTICS_PROGRAM_REFRESH_MS). */
  analyticsProgramRefreshMs: number;
  /**
   * An event that occurred more than this long before it was received is historical (an import, a CRM sync): it
   * scores, decayed by its age, and counts for segments, goals and past-event conditions, but does not promote at
   * once as high intent (no 15-minute hand-off) and fires no event trigger (ms; EVENT_LIVE_WINDOW_HOURS, default 24).
   */
  eventLiveWindowMs: number;
  /** Events older than this many months are anonymised or deleted by the retention job (0 = keep forever). */
  eventRetentionMonths: number;
  retentionMode: 'anonymise' | 'delete';
  /** Email delivery: SMTP relay or development mailbox, sender, DKIM, rate limit, retries. */
  email: EmailConfig;
  /** Repeated soft bounces suppress an address: how many (0: never) within how many days. */
  softBounces: SoftBounceConfig;
  /** Threads that compile template versions (TEMPLATE_COMPILE_THREADS; each holds about 55 MB once used). */
  templateCompileThreads: number;
  /** The most heap one template compile thread may use, in MB (TEMPLATE_COMPILE_MEMORY_MB); past it the thread is replaced and the save gets 503. */
  templateCompileMemoryMb: number;
  /** Tracking: a click this soon after the message was sent is a link scanner's (ms; TRACKING_SCANNER_WINDOW_SECONDS). */
  trackingScannerWindowMs: number;
  /** Tracking: clicks on different links of one message this close together are a scanner's burst (ms). */
  trackingBurstWindowMs: number;
  /** Tracking: how long the API gathers hits before adding them to the Redis stream in one call (ms; 0: one turn of the event loop). */
  trackingBufferLingerMs: number;
  /**
   * Tracking: when the oldest hit in the Redis buffer has waited longer than this to be stored (ms), the API
   * holds its answers until the workers catch up, for at most TRACKING_BUFFER_MAX_WAIT_MS (0: never hold). Hits
   * a worker took longer ago than a third of TRACKING_RECLAIM_IDLE_MS do not count: that worker is taken for dead.
   */
  trackingBufferMaxLagMs: number;
  trackingBufferMaxWaitMs: number;
  /** Tracking: how often a worker drains buffered opens/clicks into PostgreSQL (ms), and the most it takes at once. */
  trackingDrainMs: number;
  trackingDrainBatch: number;
  /**
   * Tracking: a drain loop that read fewer than TRACKING_DRAIN_MIN_BATCH hits waits for more (bigger
   * transactions cost less per hit), but never once its oldest hit has been buffered TRACKING_DRAIN_LINGER_MS.
   * Defaults 250 and 50 ms: at a steady 5,000/s a batch every ~50 ms instead of 1,000 hits every ~200 ms, so
   * PostgreSQL's bursts are a quarter as long and the API waits less for a CPU behind them (p99 7.0 / 7.0 ms
   * against 7.9 / 8.2, hits stored within 108 ms instead of 213, p99); at saturation batches are full either way.
   */
  trackingDrainMinBatch: number;
  trackingDrainLingerMs: number;
  /** Tracking: drain loops per worker process, so PostgreSQL writes one batch while the next is read. */
  trackingDrainConcurrency: number;
  /** Tracking: buffered hits a crashed worker had taken are taken over after this long (ms). */
  trackingReclaimIdleMs: number;
  /** Tracking: how many sent messages' links the API keeps in memory for click redirects. */
  trackingLinkCacheSize: number;
  /** Nurture programs: the scheduler's tick, claim size and concurrency, the global frequency cap, the holidays business-day waits skip. */
  programs: ProgramsConfig;
  /** Outbox relay: how often workers publish recorded domain events to their consumers. */
  outbox: OutboxConfig;
  /** Sales hand-off: office week, SLA per priority, breach watch. */
  handoffs: HandoffsConfig;
  /** Webhook deliveries to sales tools. */
  webhooks: WebhooksConfig;
}

const DEV_ADMIN_KEY = 'dev-admin-key-change-me';
/** EVENT_LIVE_WINDOW_HOURS when unset: a day, so a form or CRM that sends late still counts as live. */
export const DEFAULT_EVENT_LIVE_WINDOW_HOURS = 24;
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
  const reportingCurrency = str(env, 'REPORTING_CURRENCY', 'EUR');
  if (!/^[A-Z]{3}$/.test(reportingCurrency)) throw new ConfigError(`REPORTING_CURRENCY must be an ISO 4217 code such as EUR, got "${reportingCurrency}"`);
  const logLevel = str(env, 'LOG_LEVEL', 'info');
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent`);
  }
  const publicBaseUrl = url(env, 'PUBLIC_BASE_URL', `http://localhost:${port}`, ['http:', 'https:']).replace(/\/+$/, '');
  // Programs' business-day waits skip the office week's holidays.
  const handoffs = loadHandoffsConfig(env);
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
    reportingCurrency,
    logLevel,
    bodyLimitBytes: int(env, 'BODY_LIMIT_BYTES', 5 * 1024 * 1024, 1024, 100 * 1024 * 1024),
    runMigrations: bool(env, 'RUN_MIGRATIONS', true),
    dbPoolSize: int(env, 'DB_POOL_SIZE', 20, 1, 500),
    docsUi: bool(env, 'DOCS_UI', true),
    queueDashboard: bool(env, 'QUEUE_DASHBOARD', true),
    scoringSweepMs: int(env, 'SCORING_SWEEP_MS', 250, 50, 600000),
    scoringSweepBatch: int(env, 'SCORING_SWEEP_BATCH', 2000, 1, 20000),
    shutdownTimeoutMs: int(env, 'SHUTDOWN_TIMEOUT_MS', 25_000, 1000, 3_600_000),
    workTableVacuumMs: int(env, 'WORK_TABLE_VACUUM_MS', 10_000, 0, 3_600_000),
    analyticsProgramRefreshMs: int(env, 'ANALYTICS_PROGRAM_REFRESH_MS', 300_000, 100, 86_400_000),
    eventLiveWindowMs: int(env, 'EVENT_LIVE_WINDOW_HOURS', DEFAULT_EVENT_LIVE_WINDOW_HOURS, 1, 8760) * 3_600_000,
    eventRetentionMonths: int(env, 'EVENT_RETENTION_MONTHS', 24, 0, 1200),
    retentionMode: oneOf(env, 'RETENTION_MODE', ['anonymise', 'delete'] as const, 'anonymise'),
    email: loadEmailConfig(env, production),
    softBounces: loadSoftBounceConfig(env),
    templateCompileThreads: int(env, 'TEMPLATE_COMPILE_THREADS', 1, 1, 8),
    templateCompileMemoryMb: int(env, 'TEMPLATE_COMPILE_MEMORY_MB', 256, 64, 4096),
    trackingScannerWindowMs: int(env, 'TRACKING_SCANNER_WINDOW_SECONDS', 10, 0, 3600) * 1000,
    trackingBurstWindowMs: int(env, 'TRACKING_BURST_WINDOW_MS', 2000, 0, 60000),
    trackingBufferLingerMs: int(env, 'TRACKING_BUFFER_LINGER_MS', 1, 0, 1000),
    trackingBufferMaxLagMs: int(env, 'TRACKING_BUFFER_MAX_LAG_MS', 600, 0, 60000),
    trackingBufferMaxWaitMs: int(env, 'TRACKING_BUFFER_MAX_WAIT_MS', 2000, 0, 60000),
    trackingDrainMs: int(env, 'TRACKING_DRAIN_MS', 150, 10, 10000),
    trackingDrainBatch: int(env, 'TRACKING_DRAIN_BATCH', 2000, 1, 20000),
    trackingDrainMinBatch: int(env, 'TRACKING_DRAIN_MIN_BATCH', 250, 1, 20000),
    trackingDrainLingerMs: int(env, 'TRACKING_DRAIN_LINGER_MS', 50, 0, 2000),
    trackingDrainConcurrency: int(env, 'TRACKING_DRAIN_CONCURRENCY', 2, 1, 16),
    trackingReclaimIdleMs: int(env, 'TRACKING_RECLAIM_IDLE_MS', 30000, 100, 3600000),
    trackingLinkCacheSize: int(env, 'TRACKING_LINK_CACHE_SIZE', 50000, 0, 10000000),
    programs: loadProgramsConfig(env, handoffs.officeWeek.holidays),
    outbox: loadOutboxConfig(env),
    handoffs,
    webhooks: loadWebhooksConfig(env),
  };
}

/** Injection token for the validated configuration. */
export const APP_CONFIG = Symbol('APP_CONFIG');
