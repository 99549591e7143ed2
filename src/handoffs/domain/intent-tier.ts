/** How strongly an event signals buying intent (configured per event type). */
export const INTENT_TIERS = ['high', 'medium', 'low'] as const;
export type IntentTier = (typeof INTENT_TIERS)[number];
