import { DataSource } from 'typeorm';
import { TrimmedQualificationAnswers1764010100000 } from '../migrations/1764010100000-TrimmedQualificationAnswers.js';
import { ManualClock } from '../src/common/clock.js';
import { dataSourceOptions } from '../src/infra/database/data-source.js';
import { DEFAULT_SCORING_MODEL } from '../src/scoring/domain/scoring-model.js';
import { TestDatabase } from './support/test-database.js';
import { eventually, startTestApp, startTestWorker, type TestApp } from './support/test-app.js';

/** Every character JavaScript's trim removes, as this Node knows them: what the migration must trim as well. */
const JS_WHITE_SPACE = Array.from({ length: 0x10000 }, (_, c) => String.fromCharCode(c))
  .filter((c) => c.trim() === '')
  .join('');

/** Runs the migration's `up` in a transaction of its own, as the migration runner does. */
async function migrate(db: DataSource): Promise<void> {
  const runner = db.createQueryRunner();
  try {
    await runner.startTransaction();
    await new TrimmedQualificationAnswers1764010100000().up(runner);
    await runner.commitTransaction();
  } catch (err) {
    await runner.rollbackTransaction();
    throw err;
  } finally {
    await runner.release();
  }
}

const fit = (...rules: [ruleId: string, description: string, points: number][]) => rules.map(([ruleId, description, points]) => ({ ruleId, description, points }));
const DECISION_MAKER = ['decision-maker', 'Is the decision-maker', 15] as [string, string, number];
const NEED = ['need-known', 'Told us their need', 5] as [string, string, number];
const BUDGET = ['budget-known', 'Told us their budget', 5] as [string, string, number];
const TIMELINE = ['timeline-known', 'Told us their timeline', 5] as [string, string, number];
const BUDGET_GIVEN = { id: 'budget-given', description: 'Gave a budget', where: [{ field: 'qualification.budget', op: 'exists' }], points: 7 };

/**
 * Leads stored before answers were trimmed (and before fit rules read only known answers, trimmed) get their answers
 * trimmed by migration 1764010100000, and every lead is re-evaluated in the background when any answer reads
 * differently now, so no lead keeps a fit score of the old reading.
 */
describe('migration 1764010100000: stored qualification answers trimmed, fit re-evaluated', () => {
  let t: TestApp;
  const clock = new ManualClock('2026-03-02T10:00:00Z');

  beforeAll(async () => {
    // API only: the re-evaluation waits for the worker each test starts once it has seen the run queued.
    t = await startTestApp({ clock, role: 'api' });
  });
  afterAll(async () => {
    await t?.close();
  });

  const createLead = async (email: string) => {
    const res = await t.api('post', '/api/v1/leads').send({ email });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  /** The lead as stored before the change: its answers as given, and the fit the old reading gave them. */
  const storeOld = async (id: string, qualification: Record<string, unknown>, stale?: { ruleId: string; description: string; points: number }[]) => {
    await t.db.query(`UPDATE leads SET qualification = $2::jsonb WHERE id = $1`, [id, JSON.stringify(qualification)]);
    if (stale) {
      const score = stale.reduce((sum, c) => sum + c.points, 0);
      await t.db.query(`UPDATE leads SET fit_score = $2, fit_contributions = $3::jsonb WHERE id = $1`, [id, score, JSON.stringify(stale)]);
    }
  };
  const stored = async (id: string) => {
    const [row] = await t.db.query(`SELECT qualification, fit_score, fit_contributions, updated_at FROM leads WHERE id = $1`, [id]);
    return row as { qualification: Record<string, unknown>; fit_score: number; fit_contributions: unknown[]; updated_at: Date };
  };
  const runs = async () => t.db.query(`SELECT * FROM scoring_reevaluations ORDER BY model_version`);
  const model = async () => (await t.api('get', '/api/v1/scoring-model')).body;
  /** Starts a worker, waits for it to complete the current model's re-evaluation, and stops it. */
  const workerCompletes = async () => {
    const worker = await startTestWorker(t, clock);
    try {
      await eventually(async () => (await model()).reevaluation?.status === 'completed');
    } finally {
      await worker.close();
    }
  };

  it('trims every text answer as JavaScript trims it, and queues a re-evaluation that gives the leads their fit of the new reading', async () => {
    const anna = await createLead('anna@bouwbedrijf.be');
    const bram = await createLead('bram@bouwbedrijf.be');
    const cas = await createLead('cas@bouwbedrijf.be');
    const erased = await createLead('weg@bouwbedrijf.be');
    expect((await t.api('delete', `/api/v1/leads/${erased}`)).status).toBe(204);
    // Scored under the old reading: " decision_maker " failed `equals decision_maker`; " unknown " was a known budget.
    const annaAnswers = { authority: ' decision_maker ', timeline: `${JS_WHITE_SPACE}Q3${JS_WHITE_SPACE}` };
    await storeOld(anna, annaAnswers, fit(TIMELINE));
    await storeOld(bram, { need: 'CRM', budget: ' unknown ' }, fit(NEED, BUDGET));
    // Characters JavaScript does not trim stay (zero-width space, Mongolian vowel separator); answers not text stay as they are.
    const casAnswers = { need: '\u200bwebsite\u180e', timeline: '\r\n', budget: 12, authority: true, champion: null };
    await storeOld(cas, casAnswers, fit(NEED, BUDGET)); // need and budget known, under either reading
    // An erased lead's answers are {}; were one to hold text, it is not touched.
    await storeOld(erased, { need: ' erased ' });
    expect(await runs()).toEqual([]); // version 1, the default, never re-evaluated every lead

    await migrate(t.db);

    expect((await stored(anna)).qualification).toEqual({ authority: 'decision_maker', timeline: 'Q3' });
    expect((await stored(anna)).qualification.timeline).toBe(annaAnswers.timeline.trim());
    expect((await stored(bram)).qualification).toEqual({ need: 'CRM', budget: 'unknown' });
    expect((await stored(cas)).qualification).toEqual({ ...casAnswers, timeline: '' });
    expect((await stored(erased)).qualification).toEqual({ need: ' erased ' });
    expect((await t.api('get', `/api/v1/leads/${anna}`)).body.qualification).toEqual({ authority: 'decision_maker', timeline: 'Q3' });
    // The migration computes no fit: the scores are still the old ones until the re-evaluation runs.
    expect((await stored(anna)).fit_score).toBe(5);
    expect((await stored(bram)).fit_score).toBe(10);
    const queued = await model();
    expect(queued).toMatchObject({ version: 1, reevaluation: { status: 'running', leadsTotal: 3, leadsDone: 0, refitted: 0, promoted: 0, finishedAt: null } });

    await workerCompletes();
    expect(await stored(anna)).toMatchObject({ fit_score: 15 + 5, fit_contributions: fit(DECISION_MAKER, TIMELINE) });
    expect(await stored(bram)).toMatchObject({ fit_score: 5, fit_contributions: fit(NEED) });
    expect(await stored(cas)).toMatchObject({ fit_score: 10, fit_contributions: fit(NEED, BUDGET) });
    expect((await model()).reevaluation).toMatchObject({ status: 'completed', leadsTotal: 3, leadsDone: 3, refitted: 2, promoted: 0 });
    const score = (await t.api('get', `/api/v1/leads/${anna}/score`)).body;
    expect(score).toMatchObject({ fitScore: 20, fitContributions: fit(DECISION_MAKER, TIMELINE) });
  });

  it('sets the current version\'s finished re-evaluation running again, from the first lead, for an "unknown" a published rule read as given', async () => {
    const eva = await createLead('eva@bouwbedrijf.be');
    const current = (await t.api('get', '/api/v1/scoring-model')).body.definition;
    const published = await t.api('put', '/api/v1/scoring-model').send({ ...current, fitRules: [...current.fitRules, BUDGET_GIVEN] });
    expect(published.status).toBe(200);
    await workerCompletes();
    const finished = (await model()).reevaluation;
    expect(finished).toMatchObject({ status: 'completed', leadsTotal: 4, leadsDone: 4, refitted: 1 }); // cas's budget of 12
    // Stored before fit rules read only known answers: `exists` counted "UNKNOWN".
    await storeOld(eva, { budget: 'UNKNOWN' }, fit([BUDGET_GIVEN.id, BUDGET_GIVEN.description, BUDGET_GIVEN.points]));
    const [firstRun] = await runs();

    await migrate(t.db);

    expect((await stored(eva)).qualification).toEqual({ budget: 'UNKNOWN' }); // nothing to trim
    const restarted = (await model()).reevaluation;
    expect(restarted).toMatchObject({ status: 'running', leadsTotal: 4, leadsDone: 0, progress: 0, refitted: 0, promoted: 0, finishedAt: null });
    expect(restarted.startedAt).not.toBe(finished.startedAt);
    const [stillFirst, second] = await runs();
    expect(stillFirst).toEqual(firstRun); // an older version's run is history
    expect(second).toMatchObject({ model_version: published.body.version, status: 'running', after_lead_id: null });

    await workerCompletes();
    expect(await stored(eva)).toMatchObject({ fit_score: 0, fit_contributions: [] });
    expect((await model()).reevaluation).toMatchObject({ status: 'completed', leadsDone: 4, refitted: 1, promoted: 0 });
  });
});

describe('migration 1764010100000 on databases prepared by hand', () => {
  let database: TestDatabase;
  let db: DataSource;

  beforeEach(async () => {
    database = await TestDatabase.create();
    db = new DataSource(dataSourceOptions(database.url, 2));
    await db.initialize();
  });
  afterEach(async () => {
    await db?.destroy();
    await database?.drop();
  });

  const insertLead = async (email: string, qualification: Record<string, unknown>) => {
    const [{ id }] = await db.query(
      `INSERT INTO leads (email, email_normalized, qualification, updated_at) VALUES ($1, $1, $2::jsonb, '2026-03-02T10:00:00Z') RETURNING id`,
      [email, JSON.stringify(qualification)],
    );
    return id as string;
  };
  const leads = async () => db.query(`SELECT id, qualification, updated_at FROM leads ORDER BY id`);

  it('does nothing on a fresh installation (no scoring model, no leads)', async () => {
    await migrate(db);
    expect(await db.query(`SELECT * FROM scoring_reevaluations`)).toEqual([]);
    expect(await db.query(`SELECT * FROM scoring_models`)).toEqual([]);
  });

  it('trims the answers but queues nothing without a scoring model: no fit was computed', async () => {
    await insertLead('an@x.be', { need: ' unknown ' });
    await migrate(db);
    expect(await db.query(`SELECT qualification FROM leads`)).toEqual([{ qualification: { need: 'unknown' } }]);
    expect(await db.query(`SELECT * FROM scoring_reevaluations`)).toEqual([]);
  });

  it('queues a run for a list or an object answer (fit rules read them before, not now), superseding an older version\'s run still under way', async () => {
    for (const version of [1, 2]) {
      await db.query(`INSERT INTO scoring_models (version, definition, created_by) VALUES ($1, $2, 'default')`, [version, JSON.stringify(DEFAULT_SCORING_MODEL)]);
    }
    await db.query(
      `INSERT INTO scoring_reevaluations (model_version, status, leads_total, leads_done, started_at, updated_at) VALUES (1, 'running', 3, 1, '2026-03-01T10:00:00Z', '2026-03-01T10:00:00Z')`,
    );
    await insertLead('ann@x.be', { need: ['CRM'] });
    await insertLead('bob@x.be', { budget: { amount: 5000 } });
    await insertLead('cor@x.be', { need: [], timeline: 'Q3' });
    const before = await leads();

    await migrate(db);

    expect(await leads()).toEqual(before); // nothing to trim
    const runs = await db.query(`SELECT model_version, status, leads_total, leads_done, after_lead_id, finished_at FROM scoring_reevaluations ORDER BY model_version`);
    expect(runs).toEqual([
      { model_version: 1, status: 'superseded', leads_total: 3, leads_done: 1, after_lead_id: null, finished_at: expect.any(Date) },
      { model_version: 2, status: 'running', leads_total: 3, leads_done: 0, after_lead_id: null, finished_at: null },
    ]);
  });

  it('queues nothing for an empty list (absent to fit before as now)', async () => {
    await db.query(`INSERT INTO scoring_models (version, definition, created_by) VALUES (1, $1, 'default')`, [JSON.stringify(DEFAULT_SCORING_MODEL)]);
    await insertLead('cor@x.be', { need: [], timeline: 'Q3', budget: 0 });
    await migrate(db);
    expect(await db.query(`SELECT * FROM scoring_reevaluations`)).toEqual([]);
  });

  it('queues nothing when no answer reads differently now: trimmed ones, blank ones (blank text was always absent to fit), numbers, yes/no, null', async () => {
    await db.query(`INSERT INTO scoring_models (version, definition, created_by) VALUES (1, $1, 'default')`, [JSON.stringify(DEFAULT_SCORING_MODEL)]);
    await db.query(
      `INSERT INTO scoring_reevaluations (model_version, status, leads_total, leads_done, refitted, started_at, updated_at, finished_at)
       VALUES (1, 'completed', 2, 2, 1, '2026-03-01T10:00:00Z', '2026-03-01T10:05:00Z', '2026-03-01T10:05:00Z')`,
    );
    await insertLead('ann@x.be', { need: 'CRM', budget: '', timeline: 'Q3', authority: 'decision_maker' });
    const padded = await insertLead('bob@x.be', { need: 'website', budget: ' \t\u00a0', timeline: null, authority: true, employees: 40 });
    const before = { runs: await db.query(`SELECT * FROM scoring_reevaluations`), leads: await leads() };

    await migrate(db);

    expect(await db.query(`SELECT * FROM scoring_reevaluations`)).toEqual(before.runs); // still completed, with its figures
    // Only the blank answer with white space around it is trimmed (to the blank answer it always was to fit), and its lead marked updated.
    const after = await leads();
    expect(after.filter((l: { id: string }) => l.id !== padded)).toEqual(before.leads.filter((l: { id: string }) => l.id !== padded));
    const bob = after.find((l: { id: string }) => l.id === padded);
    expect(bob.qualification).toEqual({ need: 'website', budget: '', timeline: null, authority: true, employees: 40 });
    expect(bob.updated_at).not.toEqual(new Date('2026-03-02T10:00:00Z'));
  });
});
