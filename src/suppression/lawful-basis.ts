import type { SuppressionReason } from './suppression.types.js';

/**
 * Why a lead must not be sent a nurture email, or null when it may: no email ever to a lead who withdrew
 * consent, whose address is on the suppression list (unsubscribed, hard bounce, repeated soft bounces, complaint, erased, manual), or
 * for whom no lawful basis is recorded. A lawful basis is consent or legitimate interest, recorded with the lead
 * (`consent.status` granted, with its basis); a lead whose consent was never given has none.
 *
 * When several apply, the reason that says most about what happened is given, because enrollments exit with it
 * and program stats count it: an unsubscribe or a complaint lists the address *and* withdraws consent, so the
 * list's reason (unsubscribed, hard_bounce, soft_bounces, complaint, erased) comes before `consent_withdrawn`. A `manual` entry
 * (an operator listed the address, for no recorded reason) says less than a withdrawal by the lead, so it comes
 * after it; `no_lawful_basis` (nothing recorded at all) comes last.
 */
export type SendBlock = SuppressionReason | 'no_lawful_basis';

/** {@link SendBlock} from the lead's consent status and its suppression-list reason (null when not listed). */
export function sendBlock(consentStatus: string | null | undefined, listed: SuppressionReason | null | undefined): SendBlock | null {
  return optOutReason(consentStatus, listed) ?? (consentStatus === 'granted' ? null : 'no_lawful_basis');
}

/**
 * Why a lead opted out or was listed, in the order {@link sendBlock} names them, or null when it did neither
 * (a lead with no lawful basis recorded yet has not opted out).
 */
export function optOutReason(consentStatus: string | null | undefined, listed: SuppressionReason | null | undefined): SuppressionReason | null {
  if (listed && listed !== 'manual') return listed;
  if (consentStatus === 'withdrawn') return 'consent_withdrawn';
  return listed ?? null;
}

/** {@link optOutReason} in SQL, from a consent-status column and a suppression-reason expression (null: neither). */
export function optOutReasonSql(consentStatus: string, listed: string): string {
  return `coalesce(NULLIF(${listed}, 'manual'), CASE WHEN ${consentStatus} = 'withdrawn' THEN 'consent_withdrawn' END, ${listed})`;
}

/** {@link sendBlock} in SQL, from a consent-status column and a suppression-reason expression. */
export function sendBlockSql(consentStatus: string, listed: string): string {
  return `coalesce(${optOutReasonSql(consentStatus, listed)}, CASE WHEN ${consentStatus} IS DISTINCT FROM 'granted' THEN 'no_lawful_basis' END)`;
}

/**
 * Whether a lead may be mailed now and, when not, why ({@link sendBlock}) and since when: the list entry's time for
 * a listed reason, the withdrawal's for `consent_withdrawn`, null for `no_lawful_basis` (nothing was ever recorded).
 */
export interface Mailability {
  mailable: boolean;
  suppression: { reason: SendBlock; since: string | null } | null;
}

/** {@link Mailability} from the lead's consent status, when its current consent was captured, and its list entry (if any). */
export function mailability(
  consentStatus: string | null | undefined,
  consentSince: Date | null,
  listed: { reason: SuppressionReason; since: Date } | null | undefined,
): Mailability {
  const reason = sendBlock(consentStatus, listed?.reason);
  if (!reason) return { mailable: true, suppression: null };
  const since = reason === listed?.reason ? listed.since : reason === 'consent_withdrawn' ? consentSince : null;
  return { mailable: false, suppression: { reason, since: since?.toISOString() ?? null } };
}
