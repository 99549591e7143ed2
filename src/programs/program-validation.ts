import type { EntityManager } from 'typeorm';
import { DomainError, type FieldError } from '../common/domain-error.js';
import { isUuid } from '../common/uuid.pipe.js';
import { parseProgramDefinition } from './domain/parse-program-definition.js';
import type { ProgramDefinition } from './domain/program-definition.js';
import { validateStepGraph } from './domain/step-graph.js';
import { validateTriggerAgainstGoal } from './domain/trigger-goal.js';
import { validateTriggerReach } from './domain/trigger-reach.js';

/** Template ids an email step (or its variants) uses. */
export function templateIdsOf(def: ProgramDefinition): string[] {
  const ids = new Set<string>();
  for (const step of def.steps) {
    if (step.type !== 'email') continue;
    ids.add(step.templateId);
    for (const v of step.variants ?? []) if (v.templateId) ids.add(v.templateId);
  }
  return [...ids];
}

/**
 * Locales of the current version of each existing, not archived template. The template rows are locked FOR SHARE
 * first: until the caller's transaction ends, a template it found cannot be archived (TemplatesService.archive locks
 * the row before it looks for programs sending it), so a program is never saved or published naming a template
 * archived meanwhile. The locales are read by a second statement: had one statement both locked the rows and joined
 * their current versions, a template saved meanwhile (its row locked by the save) would drop out once the lock was
 * granted — PostgreSQL re-checks the locked row at its new current version against the old version row it joined —
 * and the program would be refused naming a template that exists.
 */
export async function templateLocales(manager: EntityManager, ids: string[]): Promise<Map<string, string[]>> {
  const uuids = ids.filter(isUuid).map((id) => id.toLowerCase());
  if (!uuids.length) return new Map();
  const locked: { id: string }[] = await manager.query(`SELECT id FROM templates WHERE id = ANY($1::uuid[]) AND archived_at IS NULL FOR SHARE`, [uuids]);
  if (!locked.length) return new Map();
  const rows: { id: string; locales: string[] }[] = await manager.query(
    `SELECT t.id, coalesce(array(SELECT jsonb_object_keys(v.variants)), '{}') AS locales
       FROM templates t JOIN template_versions v ON v.template_id = t.id AND v.version = t.current_version
      WHERE t.id = ANY($1::uuid[])`,
    [locked.map((r) => r.id)],
  );
  return new Map(rows.map((r) => [r.id, r.locales]));
}

/** Which of `ids` (those templateLocales did not find) name an archived template, so a refusal can say so. */
async function archivedTemplates(manager: EntityManager, ids: string[]): Promise<Set<string>> {
  const uuids = ids.filter(isUuid).map((id) => id.toLowerCase());
  if (!uuids.length) return new Set();
  const rows: { id: string }[] = await manager.query(`SELECT id FROM templates WHERE id = ANY($1::uuid[]) AND archived_at IS NOT NULL`, [uuids]);
  return new Set(rows.map((r) => r.id));
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
  const ids = templateIdsOf(definition);
  const locales = await templateLocales(manager, ids);
  const archived = await archivedTemplates(manager, ids.filter((id) => !locales.has(id.toLowerCase())));
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
