import type { QueryRunner } from 'typeorm';
import { LiveStarterPrograms1764010150000 } from '../migrations/1764010150000-LiveStarterPrograms.js';
import { ManualClock } from '../src/common/clock.js';
import { apiKey, createRep, handoffFor, sendEvents, upsertLead } from './handoffs-helpers.js';
import { eventually, startTestApp, type TestApp } from './support/test-app.js';

const MINUTE = 60_000;

interface Install {
  templates: { name: string; templateId: string; created: boolean }[];
  programs: { key: string; created: boolean; program: { id: string; status: string; starter: string; definition: { steps: { id: string; templateId?: string }[] } } }[];
}

/**
 * A marketer archived a starter program (and then the template it sent) and installs the starters again: she gets
 * the starter back, a new program and template, while the archived ones stay as they were. Recycled leads go to
 * the live recycle program, never to an archived one.
 */
describe('installing the starters again after a starter program was archived', () => {
  let t: TestApp;
  let salesKey: string;
  const clock = new ManualClock('2026-01-05T09:00:00Z'); // Monday 10:00 in Brussels, office open

  beforeAll(async () => {
    t = await startTestApp({ clock, env: { OUTBOX_RELAY_MS: '50' } });
    await createRep(t, 'Anneleen');
    salesKey = await apiKey(t, 'Anneleen', 'sales');
  });
  afterAll(() => t?.close());

  const install = async (activate: boolean): Promise<Install> => {
    const res = await t.api('post', '/api/v1/programs/starters').send({ activate });
    expect([res.status, res.body.detail]).toEqual([200, undefined]);
    return res.body;
  };
  const program = (i: Install, key: string) => i.programs.find((p) => p.key === key)!;
  const template = (i: Install, name: string) => i.templates.find((x) => x.name === name)!;
  const row = async (table: 'programs' | 'templates', id: string) => (await t.db.query(`SELECT * FROM ${table} WHERE id = $1`, [id]))[0];
  const recyclePrograms = async () =>
    t.db.query(`SELECT id, status FROM programs WHERE starter = 'recycle-monthly' ORDER BY created_at, id`) as Promise<{ id: string; status: string }[]>;

  let first: Install;
  let second: Install;

  it('creates the archived starter program and template again (new ids, created: true), keeps the others and leaves the archived ones as they were', async () => {
    first = await install(true);
    const archivedProgram = program(first, 'recycle-monthly').program.id;
    const archivedTemplate = template(first, 'recycle-monthly').templateId;
    clock.advance(MINUTE);
    expect((await t.api('post', `/api/v1/programs/${archivedProgram}/archive`)).status).toBe(200);
    expect((await t.api('delete', `/api/v1/templates/${archivedTemplate}`)).status).toBe(204);
    const programBefore = await row('programs', archivedProgram);
    const templateBefore = await row('templates', archivedTemplate);
    clock.advance(MINUTE);

    second = await install(true);
    expect(second.programs.map((p) => [p.key, p.created, p.program.status])).toEqual([
      ['welcome-and-qualify', false, 'active'],
      ['quote-follow-up', false, 'active'],
      ['recycle-monthly', true, 'active'],
    ]);
    expect(second.templates.map((x) => [x.name, x.created])).toEqual([
      ['welcome-guide', false],
      ['quote-followup', false],
      ['quote-reminder', false],
      ['recycle-monthly', true],
    ]);
    for (const key of ['welcome-and-qualify', 'quote-follow-up']) expect(program(second, key).program.id).toBe(program(first, key).program.id);
    for (const name of ['welcome-guide', 'quote-followup', 'quote-reminder']) expect(template(second, name).templateId).toBe(template(first, name).templateId);

    // A new program and template; the program sends the new template, and carries the starter's key.
    const recycle = program(second, 'recycle-monthly').program;
    const recycleTemplate = template(second, 'recycle-monthly').templateId;
    expect(recycle.id).not.toBe(archivedProgram);
    expect(recycleTemplate).not.toBe(archivedTemplate);
    expect(recycle.starter).toBe('recycle-monthly');
    expect(recycle.definition.steps.find((s) => s.id === 'tip')!.templateId).toBe(recycleTemplate);
    expect((await t.api('get', `/api/v1/templates/${recycleTemplate}`)).status).toBe(200);

    // The archived ones are untouched: still archived, with their key, their draft and their times.
    expect(await row('programs', archivedProgram)).toEqual(programBefore);
    expect(await row('templates', archivedTemplate)).toEqual(templateBefore);
    expect((await t.api('get', `/api/v1/programs/${archivedProgram}`)).body).toMatchObject({ status: 'archived', starter: 'recycle-monthly' });
    expect(await recyclePrograms()).toEqual([
      { id: archivedProgram, status: 'archived' },
      { id: recycle.id, status: 'active' },
    ]);

    // Installing once more creates nothing: the live program and template are kept.
    const third = await install(false);
    expect(third.programs.map((p) => [p.key, p.created, p.program.id])).toEqual(second.programs.map((p) => [p.key, false, p.program.id]));
    expect(third.templates.map((x) => [x.name, x.created, x.templateId])).toEqual(second.templates.map((x) => [x.name, false, x.templateId]));
    expect(await recyclePrograms()).toHaveLength(2);
  });

  it('a lead sales reject is recycled into the new recycle program, not the archived one', async () => {
    const archived = program(first, 'recycle-monthly').program.id;
    const live = program(second, 'recycle-monthly').program.id;
    const leadId = await upsertLead(t, 'later@bouw.example.be');
    await sendEvents(t, [{ leadId, type: 'quote_requested' }]);
    const handoff = await eventually(() => handoffFor(t, leadId));
    await t.api('post', `/api/v1/handoffs/${handoff.id}/reject`, salesKey).send({ reason: 'not_now' }).expect(200);
    expect((await t.api('get', `/api/v1/leads/${leadId}`)).body.stage).toBe('recycled');

    const enrollments = await t.db.query(`SELECT program_id, status, current_step_id FROM enrollments WHERE lead_id = $1 AND program_id = ANY($2::uuid[])`, [
      leadId,
      [archived, live],
    ]);
    expect(enrollments).toEqual([{ program_id: live, status: 'active', current_step_id: 'month' }]);
  });

  describe('two installs at once', () => {
    /** A transaction of the test's own, holding PostgreSQL locks as another request would. */
    async function transaction(): Promise<QueryRunner> {
      const qr = t.db.createQueryRunner();
      await qr.connect();
      await qr.startTransaction();
      return qr;
    }
    /** Backends of this database waiting on a lock in a statement about programs (an insert, or the installer's lock). */
    const waitingOnPrograms = async () =>
      (
        await t.db.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%programs%'`,
        )
      )[0].n as number;

    it('create the archived starter program once: one answers created, both name the same live program', async () => {
      expect((await t.api('post', `/api/v1/programs/${program(second, 'recycle-monthly').program.id}/archive`)).status).toBe(200);
      clock.advance(MINUTE);
      // Holds every insert into programs, so both installs get as far as they can before either creates the program.
      const holding = await transaction();
      try {
        await holding.query(`LOCK TABLE programs IN SHARE MODE`);
        const answers: { status: number; body: Install }[] = [];
        const installs = [0, 1].map(() => t.api('post', '/api/v1/programs/starters').send({ activate: true }).then((r) => answers.push(r)));
        await eventually(async () => answers.length === 2 || (await waitingOnPrograms()) >= 2);
        await holding.commitTransaction();
        await Promise.all(installs);
        expect(answers.map((a) => a.status)).toEqual([200, 200]);
        const recycle = answers.map((a) => program(a.body, 'recycle-monthly'));
        expect(recycle.map((p) => p.created).sort()).toEqual([false, true]);
        expect(recycle[0].program.id).toBe(recycle[1].program.id);
        expect(recycle[0].program.id).not.toBe(program(second, 'recycle-monthly').program.id);
        const live = (await recyclePrograms()).filter((p) => p.status !== 'archived');
        expect(live).toEqual([{ id: recycle[0].program.id, status: 'active' }]);
        // Published once: the install that found it did not publish it again.
        expect((await t.db.query(`SELECT count(*)::int AS n FROM program_versions WHERE program_id = $1`, [live[0].id]))[0].n).toBe(1);
      } finally {
        if (holding.isTransactionActive) await holding.rollbackTransaction();
        await holding.release();
      }
    });
  });

  it('the database allows one program not archived per starter key, and any number archived', async () => {
    const insert = (status: string) =>
      t.db.query(`INSERT INTO programs (name, status, draft, starter, created_at, updated_at) VALUES ('Kopie', $1, '{}', 'recycle-monthly', now(), now())`, [status]);
    await expect(insert('draft')).rejects.toMatchObject({ code: '23505', constraint: 'programs_live_starter' });
    await insert('archived');
    expect((await recyclePrograms()).filter((p) => p.status === 'archived')).toHaveLength(3); // the two archived by the tests above, and this one
  });

  it('migration 1764010150000 down gives the key back to one program per key (the live one, else the newest archived), and up again', async () => {
    const live = (await recyclePrograms()).find((p) => p.status !== 'archived')!.id;
    const at = (minutes: number) => new Date(clock.now().getTime() + minutes * MINUTE).toISOString();
    const archivedAt = async (minutes: number) =>
      (
        await t.db.query(
          `INSERT INTO programs (name, status, draft, starter, created_at, updated_at, archived_at) VALUES ('Oud', 'archived', '{}', 'gone', $1, $1, $1) RETURNING id`,
          [at(minutes)],
        )
      )[0].id as string;
    const older = await archivedAt(1);
    const newer = await archivedAt(2);
    const migration = new LiveStarterPrograms1764010150000();
    const run = async (step: 'up' | 'down') => {
      const runner = t.db.createQueryRunner();
      try {
        await runner.startTransaction();
        await migration[step](runner);
        await runner.commitTransaction();
      } finally {
        if (runner.isTransactionActive) await runner.rollbackTransaction();
        await runner.release();
      }
    };
    const keys = async () =>
      Object.fromEntries((await t.db.query(`SELECT id, starter FROM programs WHERE id = ANY($1::uuid[])`, [[live, older, newer]])).map((r: { id: string; starter: string | null }) => [r.id, r.starter]));

    await run('down');
    expect(await keys()).toEqual({ [live]: 'recycle-monthly', [older]: null, [newer]: 'gone' });
    expect(await recyclePrograms()).toEqual([{ id: live, status: 'active' }]);
    const constraints = async () => (await t.db.query(`SELECT conname FROM pg_constraint WHERE conrelid = 'programs'::regclass AND contype = 'u'`)).map((c: { conname: string }) => c.conname);
    expect(await constraints()).toEqual(['programs_starter_key']);

    await run('up');
    expect(await constraints()).toEqual([]);
    const [index] = await t.db.query(`SELECT indexdef FROM pg_indexes WHERE indexname = 'programs_live_starter'`);
    expect(index.indexdef).toContain('UNIQUE');
    // Archived again and installed again: created once more.
    expect((await t.api('post', `/api/v1/programs/${live}/archive`)).status).toBe(200);
    expect(program(await install(false), 'recycle-monthly').created).toBe(true);
  });
});
