/**
 * Forcing cached generic plans for part of a transaction. PostgreSQL re-plans a prepared statement on
 * every execution while a custom plan looks cheaper than the generic one, which for a one-lead
 * lock-and-read costs more server CPU (~1 ms on the bench machine) than running it. A transaction's
 * hot statements can run with generic plans between these two; what follows them (promotions,
 * program listeners) plans as usual again.
 */

/** A transaction's first statement: later statements are bound with their cached generic plans. */
export const FORCE_GENERIC_PLANS = `SET LOCAL plan_cache_mode = force_generic_plan`;

/**
 * A select-list column that puts PostgreSQL's default plan choice back for the rest of the transaction,
 * added to the last statement that should run with generic plans (it needs no round trip of its own).
 */
export const RESTORE_PLAN_MODE_COLUMN = `(SELECT set_config('plan_cache_mode', 'auto', true)) AS plan_mode`;
