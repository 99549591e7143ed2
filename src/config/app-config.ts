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
  /** How often the scoring sweep looks for events not yet scored (ms). */
  scoringSweepMs: number;
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
    scoringSweepMs: int(env, 'SCORING_SWEEP_MS', 2000, 100, 600000),
  };
}

/** Injection token for the validated configuration. */
export const APP_CONFIG = Symbol('APP_CONFIG');
