import type { EntityManager } from 'typeorm';

/** A program that still sends a template, and through what: its draft, and published versions by number. */
export interface TemplateUse {
  programId: string;
  name: string;
  /** Its draft has an email step with the template (publishing it would send it). */
  draft: boolean;
  /** Published versions that send it: the current one, and older ones that leads are still enrolled in. */
  versions: number[];
  currentVersion: number | null;
}

/**
 * SQL: whether the program definition `def` (jsonb) has an email step sending the template `id` (lower-case uuid text),
 * by its templateId or an A/B variant's (as templateIdsOf reads them). Ids are compared lower-cased: a definition keeps
 * the id as it was typed, and sends look it up case-insensitively (it is a uuid).
 */
function sendsTemplateSql(def: string, id: string): string {
  return `EXISTS (
    SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(${def} -> 'steps') = 'array' THEN ${def} -> 'steps' END) s
     WHERE s ->> 'type' = 'email'
       AND (lower(s ->> 'templateId') = ${id}
            OR EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(s -> 'variants') = 'array' THEN s -> 'variants' END) v
                        WHERE lower(v ->> 'templateId') = ${id})))`;
}

/**
 * The programs, not archived, that may still send the template: its draft (a publish would send it), its current
 * published version (new enrollments enter it), or an older version with enrollments still active (enrolled leads finish
 * on the version they entered). An archived program sends nothing more: archiving it ended its enrollments.
 *
 * A version's active enrollments are found through enrollments_program (program_id, …): no index of their own, since
 * every scheduler step rewrites an active enrollment's index entries (see 1764004500000); it is read only for the few
 * older versions that send the template, and stops at the first active enrollment.
 */
export async function programsUsingTemplate(manager: EntityManager, templateId: string): Promise<TemplateUse[]> {
  const rows: { id: string; name: string; draft: boolean; versions: number[]; current_version: number | null }[] = await manager.query(
    `SELECT p.id, p.name, p.current_version, u.draft, u.versions
       FROM programs p
       CROSS JOIN LATERAL (
         SELECT ${sendsTemplateSql('p.draft', '$1')} AS draft,
                array(SELECT v.version FROM program_versions v
                       WHERE v.program_id = p.id AND ${sendsTemplateSql('v.definition', '$1')}
                         AND (v.version = p.current_version
                              OR EXISTS (SELECT 1 FROM enrollments e
                                          WHERE e.program_id = v.program_id AND e.program_version = v.version AND e.status = 'active'))
                       ORDER BY v.version) AS versions
       ) u
      WHERE p.status <> 'archived' AND (u.draft OR cardinality(u.versions) > 0)
      ORDER BY p.created_at, p.id`,
    [templateId.toLowerCase()],
  );
  return rows.map((r) => ({ programId: r.id, name: r.name, draft: r.draft, versions: r.versions, currentVersion: r.current_version }));
}

/** What a program sends the template through, in words: "its draft, published version 3 (current), version 2 (leads still enrolled)". */
export function describeTemplateUse(use: TemplateUse): string {
  const parts = [
    ...(use.draft ? ['its draft'] : []),
    ...use.versions.map((v) => (v === use.currentVersion ? `published version ${v} (current)` : `version ${v} (leads still enrolled)`)),
  ];
  return `program ${use.programId} "${use.name}" sends it: ${parts.join(', ')}`;
}
