import { int, type Env } from './env.js';

/** When repeated soft bounces suppress an address (see suppression/domain/soft-bounces.ts). */
export interface SoftBounceConfig {
  /** Soft bounces on distinct messages that suppress the address (SOFT_BOUNCE_LIMIT, default 3; 0 turns the rule off). */
  limit: number;
  /** How far back they count, in days (SOFT_BOUNCE_WINDOW_DAYS, default 30). */
  windowDays: number;
}

export function loadSoftBounceConfig(env: Env): SoftBounceConfig {
  return {
    limit: int(env, 'SOFT_BOUNCE_LIMIT', 3, 0, 100),
    windowDays: int(env, 'SOFT_BOUNCE_WINDOW_DAYS', 30, 1, 3650),
  };
}
