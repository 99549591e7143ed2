import { exampleProgramJson } from './example-program.fixture.js';
import { parseProgramDefinition } from './parse-program-definition.js';
import type { ProgramDefinition } from './program-definition.js';
import { validateStepGraph, type StepGraphContext } from './step-graph.js';

const templates: Record<string, string[]> = {
  'tpl-welcome': ['nl', 'fr', 'en'],
  'tpl-reminder': ['nl', 'fr'],
  'tpl-case': ['nl', 'fr', 'en'],
  'tpl-dutch-only': ['nl'],
};
const ctx: StepGraphContext = { templateLocales: (id) => templates[id], programLocales: ['nl', 'fr'] };

/** A parsed program with these steps (shape already valid, so only the graph can be wrong). */
function programWith(steps: Record<string, unknown>[], extra: Record<string, unknown> = {}): ProgramDefinition {
  const { definition, errors } = parseProgramDefinition({ ...exampleProgramJson(), steps, ...extra });
  expect(errors).toEqual([]);
  return definition!;
}

const email = (id: string, next: string, templateId = 'tpl-welcome') => ({ id, type: 'email', templateId, next });
const wait = (id: string, next: string) => ({ id, type: 'wait', duration: 'P2D', next });
const branch = (id: string, condition: unknown, then: string, otherwise: string) => ({ id, type: 'branch', if: condition, then, else: otherwise });
const exit = (id = 'end') => ({ id, type: 'exit' });
const clicked = (step: string) => ({ clicked: { step } });
const scored = { field: 'engagementScore', op: 'gte', value: 50 };

/** `field: message` lines, so a failing test shows every error at once. */
const check = (def: ProgramDefinition, context = ctx) => validateStepGraph(def, context).map((e) => `${e.field}: ${e.message}`);

describe('validateStepGraph', () => {
  it('accepts the API.md example program', () => {
    expect(check(programWith(exampleProgramJson().steps as Record<string, unknown>[]))).toEqual([]);
  });

  it('refuses two steps with the same id', () => {
    const def = programWith([email('welcome', 'end'), email('welcome', 'end'), exit()]);
    expect(check(def)).toEqual(['steps[welcome].id: is used by more than one step (steps[0] and steps[1])']);
  });

  it('refuses next/then/else pointing to a step that does not exist, naming the step and the target', () => {
    const def = programWith([email('welcome', 'wait1'), wait('wait1', 'clickd'), exit()]);
    expect(check(def)).toContainEqual('steps[wait1].next: points to unknown step "clickd"');
    const branching = programWith([email('welcome', 'check'), branch('check', scored, 'end', 'nowhere'), exit()]);
    expect(check(branching)).toEqual(['steps[check].else: points to unknown step "nowhere"']);
  });

  it('reports a typo once, not again as "no exit" at every step before it', () => {
    const def = programWith([email('welcome', 'wait1'), wait('wait1', 'clickd'), exit()]);
    expect(check(def)).toEqual(['steps[wait1].next: points to unknown step "clickd"', 'steps[end]: cannot be reached from the first step']);
  });

  it('refuses steps that cannot be reached from the first step', () => {
    const def = programWith([email('welcome', 'end'), email('orphan', 'end'), exit()]);
    expect(check(def)).toEqual(['steps[orphan]: cannot be reached from the first step']);
  });

  it('refuses a path that never reaches an exit, even when it waits', () => {
    const def = programWith([
      email('welcome', 'check'),
      branch('check', scored, 'end', 'again'),
      email('again', 'pause'),
      wait('pause', 'pester'),
      email('pester', 'pause2'),
      wait('pause2', 'again'),
      exit(),
    ]);
    expect(check(def)).toEqual([
      'steps[again]: no exit step can be reached from here; every path must end in an exit step',
      'steps[pause]: no exit step can be reached from here; every path must end in an exit step',
      'steps[pester]: no exit step can be reached from here; every path must end in an exit step',
      'steps[pause2]: no exit step can be reached from here; every path must end in an exit step',
    ]);
  });

  it('refuses a step that does not say where to go next', () => {
    const def = programWith([email('welcome', 'end'), exit()]);
    const broken = { ...def, steps: [{ id: 'welcome', type: 'email', templateId: 'tpl-welcome' }, def.steps[1]] } as ProgramDefinition;
    expect(check(broken)).toContainEqual(expect.stringMatching(/^steps\[welcome\]\.next: is missing/));
  });

  it('refuses a loop that sends email after email without waiting', () => {
    const def = programWith([email('welcome', 'check'), branch('check', clicked('welcome'), 'end', 'remind'), email('remind', 'check'), exit()]);
    expect(check(def)).toEqual(['steps[check]: is part of a loop without a wait step: check → remind → check']);
  });

  it('accepts the same loop with a wait in it', () => {
    const def = programWith([
      email('welcome', 'check'),
      branch('check', clicked('welcome'), 'end', 'remind'),
      email('remind', 'pause'),
      wait('pause', 'check'),
      exit(),
    ]);
    expect(check(def)).toEqual([]);
  });

  it('finds a loop without a wait even when a longer loop through the same steps does wait', () => {
    const def = programWith([
      branch('a', scored, 'b', 'w'),
      email('b', 'a'),
      wait('w', 'c'),
      branch('c', clicked('b'), 'a', 'end'),
      exit(),
    ]);
    expect(check(def)).toEqual(['steps[a]: is part of a loop without a wait step: a → b → a']);
  });

  it('refuses a loop whose only wait is for a click on an email the lead may already have clicked', () => {
    // A wait_until for a click (or open) of one of the program's emails passes at once once the lead clicked it,
    // so a lead who clicked would go await → hot → await without ever waiting.
    const awaitClick = { id: 'await', type: 'wait_until', event: { type: 'email_clicked', step: 'mail' }, timeout: 'P7D', then: 'hot', else: 'end' };
    const def = programWith([email('mail', 'await'), awaitClick, branch('hot', scored, 'sales', 'await'), { id: 'sales', type: 'handoff', next: 'end' }, exit()]);
    expect(check(def)).toEqual([
      'steps[await]: is part of a loop without a wait step: await → hot → await (await waits for a click or open of an email, and passes at once when the lead already clicked or opened it)',
    ]);
  });

  it('accepts a loop through a wait_until for an event that is not tied to an email', () => {
    const awaitForm = { id: 'await', type: 'wait_until', event: { type: 'form_submitted' }, timeout: 'P7D', then: 'hot', else: 'end' };
    const def = programWith([email('mail', 'await'), awaitForm, branch('hot', scored, 'sales', 'await'), { id: 'sales', type: 'handoff', next: 'end' }, exit()]);
    expect(check(def)).toEqual([]);
  });

  it('refuses a step that continues to itself', () => {
    const def = programWith([email('welcome', 'check'), branch('check', scored, 'end', 'check'), exit()]);
    expect(check(def)).toEqual(['steps[check]: is part of a loop without a wait step: check → check']);
  });

  it('refuses an email whose template does not exist', () => {
    const def = programWith([email('welcome', 'end', 'tpl-gone'), exit()]);
    expect(check(def)).toEqual(['steps[welcome].templateId: template "tpl-gone" does not exist']);
  });

  it('says so when the template that is not found was archived', () => {
    const def = programWith([email('welcome', 'end', 'tpl-gone'), exit()]);
    const archived = { ...ctx, templateArchived: (id: string) => id === 'tpl-gone' };
    expect(check(def, archived)).toEqual(['steps[welcome].templateId: template "tpl-gone" is archived; choose another template']);
  });

  it('refuses an email whose template lacks one of the program locales', () => {
    const def = programWith([email('welcome', 'end', 'tpl-dutch-only'), exit()]);
    expect(check(def)).toEqual([
      'steps[welcome].templateId: template "tpl-dutch-only" has no fr version; the program is sent in nl, fr',
    ]);
    expect(check(def, { ...ctx, programLocales: ['nl'] })).toEqual([]);
  });

  it('checks the templates of A/B variants too', () => {
    const ab = { ...email('welcome', 'end'), variants: [{ weight: 1 }, { templateId: 'tpl-gone', weight: 1 }] };
    expect(check(programWith([ab, exit()]))).toEqual(['steps[welcome].variants[1].templateId: template "tpl-gone" does not exist']);
  });

  it('refuses a branch on a click of a step that does not exist or is not an email', () => {
    const unknown = programWith([email('welcome', 'check'), branch('check', clicked('welcom'), 'end', 'end'), exit()]);
    expect(check(unknown)).toEqual(['steps[check].if.clicked.step: step "welcom" does not exist']);
    const notEmail = programWith([
      email('welcome', 'pause'),
      wait('pause', 'check'),
      branch('check', { or: [scored, { opened: { step: 'pause' } }] }, 'end', 'end'),
      exit(),
    ]);
    expect(check(notEmail)).toEqual(['steps[check].if.or[1].opened.step: step "pause" is not an email step (type: wait); only an email can be opened']);
  });

  it('refuses a wait-until on an event of a step that is not an email', () => {
    const waitUntil = { id: 'await', type: 'wait_until', event: { type: 'email_clicked', step: 'end' }, timeout: 'P3D', then: 'end', else: 'end' };
    const def = programWith([email('welcome', 'await'), waitUntil, exit()]);
    expect(check(def)).toEqual(['steps[await].event.step: step "end" is not an email step (type: exit)']);
  });

  it('checks clicked/opened references in the goal', () => {
    const def = programWith([email('welcome', 'end'), exit()], { goal: { anyOf: [{ stageAtLeast: 'mql' }, clicked('case')] } });
    expect(check(def)).toEqual(['goal.anyOf[1].clicked.step: step "case" does not exist']);
  });
});
