import type { SuppressionReason } from './suppression.types.js';

/**
 * Why a lead must not be sent a nurture email, or null when it may: no email ever to a lead who withdrew
 * consent, whose address is on the suppression list (unsubscribed, hard bounce, complaint, erased, manual), or
 * for whom no lawful basis is recorded. A lawful basis is consent or legitimate interest, recorded with the lead
 * (`consent.status` granted, with its basis); a lead whose consent was never given has none.
 */
export type SendBlock = SuppressionReason | 'no_lawful_basis';

/** {@link SendBlock} from the lead's consent status and its suppression-list reason (null when not listed). */
export function sendBlock(consentStatus: string | null | undefined, listed: SuppressionReason | null | undefined): SendBlock | null {
  if (consentStatus === 'withdrawn') return 'consent_withdrawn';
  if (listed) return listed;
  return consentStatus === 'granted' ? null : 'no_lawful_basis';
}

/** {@link sendBlock} in SQL, from a consent-status column and a suppression-reason expression. */
export function sendBlockSql(consentStatus: string, listed: string): string {
  return `coalesce(CASE WHEN ${consentStatus} = 'withdrawn' THEN 'consent_withdrawn' END, ${listed},
                   CASE WHEN ${consentStatus} IS DISTINCT FROM 'granted' THEN 'no_lawful_basis' END)`;
}
