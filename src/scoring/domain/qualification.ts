/**
 * What a lead's qualification answers (need, budget, authority, timeline) say. Both readers of the answers, the
 * fit rules and the MQL rule, take "known" from {@link isKnownAnswer}: with two definitions they drifted apart
 * (" unknown " with spaces was known to fit and not to the MQL rule).
 */

/** Answers that say the question was asked but nothing is known, compared trimmed and in any case. */
const PLACEHOLDER_ANSWERS: ReadonlySet<string> = new Set(['unknown']);

/**
 * Whether an answer is known: text that, trimmed, is neither blank nor a placeholder such as "unknown" (in any
 * case), a finite number, or a yes/no. Anything else (null, a list, an object) is not.
 */
export function isKnownAnswer(value: unknown): boolean {
  if (typeof value === 'string') {
    const text = value.trim();
    return text !== '' && !PLACEHOLDER_ANSWERS.has(text.toLowerCase());
  }
  if (typeof value === 'number') return Number.isFinite(value);
  return typeof value === 'boolean';
}

/**
 * The answers as fit rules read them: only the known ones, text trimmed. An answer that is not known is absent, as
 * an answer never given is, so `exists` on `qualification.need` holds exactly when the MQL rule counts the need
 * known, and `exists: false` when it does not; and ` decision_maker ` equals `decision_maker`.
 */
export function knownAnswers(qualification: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(qualification)
      .filter(([, value]) => isKnownAnswer(value))
      .map(([field, value]) => [field, typeof value === 'string' ? value.trim() : value]),
  );
}

/**
 * Qualification answers as they are stored, by an upsert and by a program's `update_lead` step alike: text trimmed,
 * everything else (null, which clears) as given. White space around an answer says nothing, and stored with it the
 * answer reads differently to the hand-off sales get, to program segments and branches comparing text, and to a CRM
 * syncing it back. Answers stored with their white space before writes trimmed them were trimmed by migration
 * 1764010100000, which had every lead re-evaluated when any answer read differently; fit reads every answer trimmed
 * anyway ({@link knownAnswers}).
 */
export function trimmedAnswers<T extends object>(qualification: T): T {
  return Object.fromEntries(Object.entries(qualification).map(([field, value]) => [field, typeof value === 'string' ? value.trim() : value])) as T;
}
