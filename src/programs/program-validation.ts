import type { EntityManager } from 'typeorm';
import { DomainError, type FieldError } from '../common/domain-error.js';
import { isUuid } from '../common/uuid.pipe.js';
import { parseProgramDefinition } from './domain/parse-program-definition.js';
import type { ProgramDefinition } from './domain/program-definition.js';
import { validateStepGraph } from './domain/step-graph.js';
import { validateTriggerAgainstGoal } from './domain/trigger-goal.js';
import { validateTriggerReach } from './domain/trigger-reach.js';

/** Every template an email step (or one of its A/B variants) sends, with the field that names it (`steps[welcome].templateId`). */
export function templateFieldsOf(def: ProgramDefinition): { field: string; templateId: string }[] {
  const uses: { field: string; templateId: string }[] = [];
  for (const step of def.steps) {
    if (step.type !== 'email') continue;
    uses.push({ field: `steps[${step.id}].templateId`, templateId: step.templateId });
    step.variants?.forEach((v, i) => v.templateId && uses.push({ field: `steps[${step.id}].variants[${i}].templateId`, templateId: v.templateId }));
  }
  return uses;
}

/** Template ids an email step (or its variants) uses. */
export function templateIdsOf(def: ProgramDefinition): string[] {
  return [...new Set(templateFieldsOf(def).map((u) => u.templateId))];
}

/** What a program's check needs of the templates it names: the current version's locales of each one not archived, and which are archived. */
export interface NamedTemplates {
  locales: Map<string, string[]>;
  archived: Set<string>;
}

/**
 * The templates among `ids` that exist: the locales of the current version of each one not archived, and the archived
 * ones (a refusal says so). The template rows are locked FOR SHARE first: until the caller's transaction ends, a
 * template it found cannot be archived (TemplatesService.archive locks the row before it looks for programs sending
 * it), so a program is never saved or published naming a template archived meanwhile. The locales are read by a second
 * statement: had one statement both locked the rows and joined their current versions, a template saved meanwhile (its
 * row locked by the save) would drop out once the lock was granted — PostgreSQL re-checks the locked row at its new
 * current version against the old version row it joined — and the program would be refused naming a template that
 * exists.
 */
export async function namedTemplates(manager: EntityManager, ids: string[]): Promise<NamedTemplates> {
  const uuids = ids.filter(isUuid).map((id) => id.toLowerCase());
  const found: NamedTemplates = { locales: new Map(), archived: new Set() };
  if (!uuids.length) return found;
  const locked: { id: string; archived: boolean }[] = await manager.query(
    `SELECT id, archived_at IS NOT NULL AS archived FROM templates WHERE id = ANY($1::uuid[]) FOR SHARE`,
    [uuids],
  );
  for (const t of locked) if (t.archived) found.archived.add(t.id);
  const live = locked.filter((t) => !t.archived).map((t) => t.id);
  if (!live.length) return found;
  const rows: { id: string; locales: string[] }[] = await manager.query(
    `SELECT t.id, coalesce(array(SELECT jsonb_object_keys(v.variants)), '{}') AS locales
       FROM templates t JOIN template_versions v ON v.template_id = t.id AND v.version = t.current_version
      WHERE t.id = ANY($1::uuid[])`,
    [live],
  );
  for (const r of rows) found.locales.set(r.id, r.locales);
  return found;
}

/**
 * Turns untrusted JSON into a program definition whose steps form a valid graph, whose email
 * templates exist in every locale the program is sent in, and whose trigger can enroll someone (it fires
 * for leads the program may take, not all of whom already meet the goal); refuses it with 422 naming each
 * field (`steps[welcome].templateId`, `trigger`, `entryFilter`).
 */
export async function validProgramDefinition(manager: EntityManager, input: unknown, defaultLocale: string): Promise<ProgramDefinition> {
  const { definition, errors } = parseProgramDefinition(input);
  if (!definition) throw invalid(errors);
  const { locales, archived } = await namedTemplates(manager, templateIdsOf(definition));
  // A program that reaches nobody is said so once, not also judged against its goal.
  const unreachable = validateTriggerReach(definition);
  const refusals = [
    ...(unreachable.length ? unreachable : validateTriggerAgainstGoal(definition)),
    ...validateStepGraph(definition, {
      templateLocales: (id) => locales.get(id.toLowerCase()),
      templateArchived: (id) => archived.has(id.toLowerCase()),
      programLocales: definition.locales ?? [defaultLocale],
    }),
  ];
  if (refusals.length) throw invalid(refusals);
  return definition;
}

function invalid(errors: FieldError[]): DomainError {
  return DomainError.validation(errors, errors.map((e) => `${e.field}: ${e.message}`).join('; ') || 'The program is invalid.');
}
