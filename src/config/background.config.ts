import { DEFAULT_OFFICE_WEEK, validateOfficeWeek, type OfficeWeek } from '../handoffs/domain/office-hours.js';
import { coldAfterMs } from '../lifecycle/domain/went-cold.js';
import { DEFAULT_SLA, type SlaConfig, type SlaSpan } from '../handoffs/domain/sla.js';
import { bool, ConfigError, int, type Env } from './env.js';

/** How the program scheduler runs. */
export interface ProgramsConfig {
  /** How often a worker looks for due enrollments (ms; PROGRAMS_TICK_MS). */
  tickMs: number;
  /** Enrollments claimed per transaction (PROGRAMS_CLAIM_BATCH). Large by default: a batch costs a few round trips and one commit whatever its size. */
  claimBatch: number;
  /** Claim loops per worker process (PROGRAMS_CONCURRENCY). */
  concurrency: number;
  /** Enrollments due within this many ms after a run also get a delayed wake-up job (PROGRAMS_WAKE_AHEAD_MS; 0 = tick only). */
  wakeAheadMs: number;
  /** At most `max` nurture emails per lead per rolling window, across programs (FREQUENCY_CAP_MAX, FREQUENCY_CAP_DAYS). */
  frequencyCap: { max: number; windowMs: number };
  /** Public holidays that waits in business days skip: the office week's (HOLIDAYS), local 'YYYY-MM-DD' dates in the lead's time zone. */
  holidays: readonly string[];
}

/** The scheduler's settings; `holidays` are the office week's, read once with the hand-off settings. */
export function loadProgramsConfig(env: Env, holidays: readonly string[]): ProgramsConfig {
  return {
    tickMs: int(env, 'PROGRAMS_TICK_MS', 300, 20, 60_000),
    claimBatch: int(env, 'PROGRAMS_CLAIM_BATCH', 500, 1, 1000),
    concurrency: int(env, 'PROGRAMS_CONCURRENCY', 2, 1, 32),
    wakeAheadMs: int(env, 'PROGRAMS_WAKE_AHEAD_MS', 60_000, 0, 3_600_000),
    frequencyCap: { max: int(env, 'FREQUENCY_CAP_MAX', 3, 1, 100), windowMs: int(env, 'FREQUENCY_CAP_DAYS', 7, 1, 90) * 86_400_000 },
    holidays,
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

export function loadOutboxConfig(env: Env): OutboxConfig {
  return {
    relayMs: int(env, 'OUTBOX_RELAY_MS', 250, 10, 60_000),
    batch: int(env, 'OUTBOX_RELAY_BATCH', 500, 1, 5000),
    maxAttempts: int(env, 'OUTBOX_MAX_ATTEMPTS', 10, 1, 1000),
  };
}

/** Sales hand-off settings. */
export interface HandoffsConfig {
  /** When sales is at work (OFFICE_HOURS JSON `{"zone", "days"}`, HOLIDAYS `2026-12-25,2027-01-01`); SLAs count only this time. */
  officeWeek: OfficeWeek;
  /**
   * How long sales has to answer, per priority: office minutes (SLA_HIGH_MINUTES …) or office days, the same office
   * time that many office days later (SLA_MEDIUM_OFFICE_DAYS …). Defaults: 15 minutes, 1 office day, 3 office days.
   */
  sla: SlaConfig;
  /** Give a hand-off whose SLA was missed to the next rep, with a new deadline (SLA_REASSIGN). */
  slaReassign: boolean;
  /** How often a worker looks for missed SLAs (ms; SLA_SWEEP_MS). */
  slaSweepMs: number;
  /**
   * An MQL sales never took up (still mql, its hand-off still pending or none) with no live human engagement for this
   * long, counted from becoming MQL or its last engagement, went cold: the system recycles it (ms; MQL_COLD_AFTER_DAYS,
   * default 30; 0 never).
   */
  mqlColdAfterMs: number;
  /** How often a worker looks for MQLs that went cold (ms; MQL_COLD_SWEEP_MS, default an hour). */
  mqlColdSweepMs: number;
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

/** One priority's SLA: SLA_<TIER>_MINUTES (office minutes) or SLA_<TIER>_OFFICE_DAYS, at most one of them, else the default. */
function slaSpan(env: Env, tier: 'HIGH' | 'MEDIUM' | 'LOW', fallback: SlaSpan): SlaSpan {
  const minutes = `SLA_${tier}_MINUTES`;
  const days = `SLA_${tier}_OFFICE_DAYS`;
  const given = (name: string) => (env[name] ?? '').trim() !== '';
  if (given(minutes) && given(days)) throw new ConfigError(`Set ${minutes} or ${days}, not both`);
  if (given(minutes)) return { officeMinutes: int(env, minutes, 0, 1, 525_600) };
  if (given(days)) return { officeDays: int(env, days, 0, 1, 365) };
  return fallback;
}

export function loadHandoffsConfig(env: Env): HandoffsConfig {
  return {
    officeWeek: officeWeek(env),
    sla: { high: slaSpan(env, 'HIGH', DEFAULT_SLA.high), medium: slaSpan(env, 'MEDIUM', DEFAULT_SLA.medium), low: slaSpan(env, 'LOW', DEFAULT_SLA.low) },
    slaReassign: bool(env, 'SLA_REASSIGN', false),
    slaSweepMs: int(env, 'SLA_SWEEP_MS', 15_000, 20, 3_600_000),
    mqlColdAfterMs: coldAfterMs(int(env, 'MQL_COLD_AFTER_DAYS', 30, 0, 3650)),
    mqlColdSweepMs: int(env, 'MQL_COLD_SWEEP_MS', 3_600_000, 20, 86_400_000),
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
  /**
   * A subscription whose deliveries have failed without a success for this long is disabled (WEBHOOK_DISABLE_AFTER_HOURS):
   * its deliveries are held, as while paused, until it is re-enabled.
   */
  disableAfterMs: number;
  /**
   * Finished deliveries (delivered, abandoned, cancelled) with their attempt logs, and relayed outbox events no
   * delivery needs any more, are deleted this long (ms) after they finished (WEBHOOK_LOG_RETENTION_DAYS, default
   * 30; 0 keeps them). Held and waiting deliveries are never deleted, however long a pause or an outage lasts.
   */
  logRetentionMs: number;
  /** How often the retention sweep runs (ms; WEBHOOK_RETENTION_SWEEP_MS, default an hour). */
  retentionSweepMs: number;
}

export function loadWebhooksConfig(env: Env): WebhooksConfig {
  const timeoutMs = int(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000);
  return {
    allowPrivateNetworks: bool(env, 'WEBHOOK_ALLOW_PRIVATE_NETWORKS', false),
    timeoutMs,
    concurrency: int(env, 'WEBHOOK_CONCURRENCY', 50, 1, 500),
    sweepMs: int(env, 'WEBHOOK_SWEEP_MS', 5000, 20, 600_000),
    redispatchAfterMs: int(env, 'WEBHOOK_REDISPATCH_AFTER_MS', 30_000, 0, 86_400_000),
    sendingTimeoutMs: Math.max(timeoutMs * 3, 60_000),
    disableAfterMs: int(env, 'WEBHOOK_DISABLE_AFTER_HOURS', 72, 1, 8760) * 3_600_000,
    logRetentionMs: int(env, 'WEBHOOK_LOG_RETENTION_DAYS', 30, 0, 3650) * 86_400_000,
    retentionSweepMs: int(env, 'WEBHOOK_RETENTION_SWEEP_MS', 3_600_000, 20, 86_400_000),
  };
}
