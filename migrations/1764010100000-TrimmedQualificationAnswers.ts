import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What JavaScript's String.prototype.trim removes (ECMA-262 WhiteSpace and LineTerminator): tab, line feed, vertical
 * tab, form feed, carriage return, space, no-break space, U+1680, U+2000–U+200A, the line and paragraph separators,
 * U+202F, U+205F, U+3000 and the byte order mark. Written out rather than derived from the running Node, so this
 * migration trims the same characters whatever Unicode version a later Node brings.
 */
const JS_WHITE_SPACE =
  '\u0009\u000a\u000b\u000c\u000d\u0020\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff';
/** The ASCII part of it, for a database not encoded in UTF-8 (where btrim would cut the bytes of other characters). */
const ASCII_WHITE_SPACE = '\u0009\u000a\u000b\u000c\u000d\u0020';

/** A lead's answers as (key, value) rows; an answer set that is not an object (never written by the API) has none. */
const ANSWERS = `jsonb_each(CASE WHEN jsonb_typeof(l.qualification) = 'object' THEN l.qualification ELSE '{}' END) a`;
/** The answer's text trimmed as JavaScript trims it (`$1` holds the white space); null for an answer that is not text. */
const TRIMMED = `CASE WHEN jsonb_typeof(a.value) = 'string' THEN btrim(a.value #>> '{}', $1) END`;

/**
 * Qualification answers are now stored trimmed (the lead upsert and a program's update_lead step, trimmedAnswers),
 * and fit rules now read only the known answers, trimmed (knownAnswers). Leads stored before keep answers with white
 * space around them, and a fit score computed under the old reading, which saw the answers as stored: ` unknown `
 * earned `<field>-known` points, ` decision_maker ` failed `equals decision_maker`, and under a published model a rule
 * `exists` counted "unknown", a list or an object. They would keep that stale fit until something refreshed them.
 *
 * This migration (1) trims, in one set-based statement, every text answer with white space around it of every lead
 * not erased (an erased lead's answers are `{}`; numbers, yes/no, null, lists and objects are left as they are), and
 * moves the lead's updated_at, so a CRM reading leads by `updatedSince` gets the trimmed answers; (2) when any lead held
 * an answer the fit rules read differently now — text with white space around it that is not blank, text that is
 * "unknown" in any case, a non-empty list or an object — queues a re-evaluation of every lead under the current scoring
 * model, which the re-evaluation workers carry out (ScoringReevaluationService: fit recomputed by the TypeScript code,
 * the MQL rule applied, forward moves only). Blank text needs none: fit conditions always took blank text as absent
 * (isPresent), and the MQL rule already trimmed. Fit is never computed here.
 *
 * The run is the current version's row of scoring_reevaluations (one per version), so the model answer's
 * `reevaluation` reports what is happening to every lead under the current model: none yet (the version a fresh
 * installation starts with) → a new row, running; a finished one (completed: its publish's figures no longer describe
 * the leads' fits) or one under way (leads behind its cursor were refitted from untrimmed answers) → set back to
 * running from the first lead, its counts cleared and started now. A run of an older version still running (none
 * should be: a publish supersedes it) is superseded, as a publish does. Without a scoring model (a fresh database,
 * before the service's first start seeds version 1) no lead has a fit to correct and nothing is queued.
 *
 * Not reversible: the white space removed is not kept, and it said nothing.
 */
export class TrimmedQualificationAnswers1764010100000 implements MigrationInterface {
  name = 'TrimmedQualificationAnswers1764010100000';

  async up(q: QueryRunner): Promise<void> {
    const [{ encoding }]: { encoding: string }[] = await q.query(`SELECT current_setting('server_encoding') AS encoding`);
    const whiteSpace = encoding === 'UTF8' ? JS_WHITE_SPACE : ASCII_WHITE_SPACE;
    const [{ reread }]: { reread: boolean }[] = await q.query(
      `SELECT EXISTS (
         SELECT 1 FROM leads l, ${ANSWERS}
          WHERE l.erased_at IS NULL
            AND CASE jsonb_typeof(a.value)
                  WHEN 'string' THEN ${TRIMMED} <> '' AND (${TRIMMED} <> a.value #>> '{}' OR lower(${TRIMMED}) = 'unknown')
                  WHEN 'array' THEN jsonb_array_length(a.value) > 0
                  ELSE jsonb_typeof(a.value) = 'object'
                END
       ) AS reread`,
      [whiteSpace],
    );
    await q.query(
      `UPDATE leads l
          SET qualification = (SELECT jsonb_object_agg(a.key, coalesce(to_jsonb(${TRIMMED}), a.value)) FROM ${ANSWERS}),
              updated_at = now()
        WHERE l.erased_at IS NULL
          AND EXISTS (SELECT 1 FROM ${ANSWERS} WHERE ${TRIMMED} <> a.value #>> '{}')`,
      [whiteSpace],
    );
    if (!reread) return;
    const [{ version }]: { version: number | null }[] = await q.query(`SELECT max(version) AS version FROM scoring_models`);
    if (version === null) return;
    await q.query(`UPDATE scoring_reevaluations SET status = 'superseded', finished_at = now(), updated_at = now() WHERE status = 'running' AND model_version <> $1`, [
      version,
    ]);
    await q.query(
      `INSERT INTO scoring_reevaluations (model_version, status, leads_total, started_at, updated_at)
       SELECT $1, 'running', count(*), now(), now() FROM leads WHERE erased_at IS NULL
       ON CONFLICT (model_version) DO UPDATE
         SET status = 'running', after_lead_id = NULL, leads_total = EXCLUDED.leads_total, leads_done = 0, refitted = 0, promoted = 0,
             started_at = EXCLUDED.started_at, updated_at = EXCLUDED.updated_at, finished_at = NULL`,
      [version],
    );
  }

  async down(): Promise<void> {
    // Nothing to undo (see above).
  }
}
