import type { TrackedLink } from './domain/link-tracking.js';
import type { SuppressionReason } from '../suppression/suppression.types.js';
import type { LeadSnapshot } from './template-data.js';

/**
 * Where a message is in delivery (the email_messages.status check constraint). `cancelled`: taken back before it was
 * sent because its enrollment ended early (status_reason: `unenrolled` by hand, `archived`, `converted`, or the
 * enrollment's other exit reason; see {@link endedEnrollmentSql}).
 */
export const MESSAGE_STATUSES = ['queued', 'sending', 'sent', 'failed', 'suppressed', 'held', 'cancelled'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** A nurture email to a lead, or a test send of a template to any address (the email_messages.kind check constraint). */
export const MESSAGE_KINDS = ['nurture', 'test'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/** A queued message as read before sending, with its lead and any reason not to mail them. */
export interface PendingMessage {
  id: string;
  kind: MessageKind;
  toAddress: string | null;
  templateId: string;
  templateVersion: number;
  /** The locale asked for (test sends); nurture sends follow the lead. */
  locale: string | null;
  /** A subject set by the sender of a nurture email instead of the template's (may use Handlebars). */
  subjectOverride: string | null;
  attempts: number;
  leadId: string | null;
  lead: LeadSnapshot | null;
  consentStatus: string | null;
  suppressedReason: SuppressionReason | null;
  /** Why its enrollment no longer sends it, as read (see {@link endedEnrollmentSql}); null while it may. */
  enrollmentEnded: string | null;
}

/** What was rendered, stored with the claim so the tracked links resolve from the first click. */
export interface RenderRecord {
  to: string;
  subject: string;
  locale: string;
  links: TrackedLink[];
}

export type ClaimResult = { status: 'sending'; attempts: number } | { status: 'suppressed' | 'cancelled'; reason: string } | null;

/**
 * Whether a held message went back to the queue; when the frequency cap kept it held, from when it would fit; when
 * its enrollment ended early, which one and why.
 */
export type ReleaseResult = { released: true } | { released: false; fitsFrom?: Date; enrollmentEnded?: { id: string; reason: string } };

/**
 * Why a nurture email of the enrollment `alias` (an enrollments row, NULL when it has none) is not sent any more:
 * its enrollment ended early, `converted` (its goal was met) or exited with its exit reason (archived, unenrolled,
 * disqualified, an opt-out, error…). NULL while the enrollment runs, and once it completed normally: the last
 * email it queued before reaching its end still goes out.
 */
export function endedEnrollmentSql(alias: string): string {
  return `CASE ${alias}.status WHEN 'converted' THEN 'converted' WHEN 'exited' THEN coalesce(${alias}.exit_reason, 'exited') END`;
}

/**
 * {@link endedEnrollmentSql} for an enrollment whose new status and exit reason are known in memory (the scheduler's
 * result for it, or a row an UPDATE returned): the reason its queued emails are cancelled with, null when it has not
 * ended early (still active, or completed normally).
 */
export function endedEnrollmentReason(status: string, exitReason: string | null): string | null {
  if (status === 'converted') return 'converted';
  if (status === 'exited') return exitReason ?? 'exited';
  return null;
}

/** Where the worker finds a cut-off send: 'sending' since before this moment. */
export const HELD_REASON = 'ambiguous_after_crash';
