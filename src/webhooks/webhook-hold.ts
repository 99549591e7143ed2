/**
 * Whether a new delivery for subscription `s` (an alias of webhook_subscriptions) is held or pending: held while
 * the webhook is paused or disabled for failing, and while an active one still has held deliveries going out (its
 * drain after a resume or re-enable), so that a new event does not overtake the ones held before it.
 */
export const HELD_OR_PENDING_SQL = (s: string) =>
  `CASE WHEN NOT ${s}.active OR EXISTS (SELECT 1 FROM webhook_deliveries held WHERE held.subscription_id = ${s}.id AND held.status = 'held')
        THEN 'held' ELSE 'pending' END`;
