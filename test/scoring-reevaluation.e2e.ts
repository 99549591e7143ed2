import { ManualClock } from '../src/common/clock.js';
import { ScoringReevaluationService } from '../src/scoring/scoring-reevaluation.service.js';
import { createRep, handoffFor, sendEvents, upsertLead } from './handoffs-helpers.js';
import { eventually, startTestApp, type TestApp } from './support/test-app.js';

/** Publishes the current definition changed by `edit`; returns the answer's body (the new version). */
async function publish(t: TestApp, edit: (def: Record<string, any>) => Record<string, any>): Promise<Record<string, any>> {
  const current = await t.api('get', '/api/v1/scoring-model');
  const res = await t.api('put', '/api/v1/scoring-model').send(edit(current.body.definition));
  expect(res.status).toBe(200);
  return res.body;
}

const lowerThreshold = (to: number) => (def: Record<string, any>) => ({ ...def, mql: { ...def.mql, engagementThreshold: to } });
const RIVAL = { id: 'rival', description: 'Works at a rival', where: [{ field: 'emailDomain', op: 'equals', value: 'rival.be' }], points: -30 };
const withRival = (def: Record<string, any>) => ({ ...def, fitRules: [...def.fitRules, RIVAL] });

describe('publishing a scoring model re-evaluates every lead (with workers)', () => {
  let t: TestApp;
  const clock = new ManualClock('2026-03-02T10:00:00Z');

  beforeAll(async () => {
    t = await startTestApp({ clock });
    await createRep(t, 'Sanne');
  });
  afterAll(async () => {
    await t?.close();
  });

  const lead = async (id: string) => (await t.api('get', `/api/v1/leads/${id}`)).body;
  const completed = async () => (await t.api('get', '/api/v1/scoring-model')).body.reevaluation?.status === 'completed';

  it('promotes leads a lowered MQL threshold now qualifies, without any new activity, and hands them to sales', async () => {
    const warm = await upsertLead(t, 'warm@bakkerij.be', { qualification: { need: 'website', budget: '10k' } });
    const unqualified = await upsertLead(t, 'curious@bakkerij.be', { qualification: { need: 'website' } });
    // 3 webinars = 45 points each: under the default threshold of 50
    await sendEvents(t, [warm, unqualified].flatMap((leadId) => Array.from({ length: 3 }, () => ({ leadId, type: 'webinar_attended' }))));
    await eventually(async () => (await lead(warm)).engagementScore === 45 && (await lead(unqualified)).engagementScore === 45);
    expect((await lead(warm)).stage).toBe('lead');
    const ledgerBefore = await t.db.query(`SELECT id, points, model_version FROM score_ledger WHERE lead_id = $1 ORDER BY id`, [warm]);

    const published = await publish(t, lowerThreshold(40));
    expect(published.reevaluation).toMatchObject({ status: 'running', leadsTotal: 2, leadsDone: 0, promoted: 0 });

    await eventually(completed);
    const model = (await t.api('get', '/api/v1/scoring-model')).body;
    expect(model.reevaluation).toMatchObject({ status: 'completed', leadsTotal: 2, leadsDone: 2, progress: 1, promoted: 1, finishedAt: expect.any(String) });
    expect((await lead(warm)).stage).toBe('mql');
    expect((await lead(unqualified)).stage).toBe('lead'); // one BANT answer: the rule still says no
    const handoff = await eventually(() => handoffFor(t, warm));
    expect(handoff).toMatchObject({ status: 'pending', priority: 'medium' });
    expect(await handoffFor(t, unqualified)).toBeUndefined();
    // The points earned stay as they were earned.
    expect(await t.db.query(`SELECT id, points, model_version FROM score_ledger WHERE lead_id = $1 ORDER BY id`, [warm])).toEqual(ledgerBefore);

    // The explanation agrees with the stored figures and says how it became an MQL.
    const score = (await t.api('get', `/api/v1/leads/${warm}/score`)).body;
    expect(score).toMatchObject({ stage: 'mql', modelVersion: published.version, engagementScore: 45, mqlRule: { met: true } });
    expect(score.promotion).toMatchObject({ actor: 'scoring', reason: 'mql_rule', eventId: null });
  });

  it('recomputes the fit score of existing leads when a new negative fit rule is published', async () => {
    const rival = await upsertLead(t, 'spy@rival.be');
    const other = await upsertLead(t, 'an@bakkerij.be');
    expect((await lead(rival)).fitScore).toBe(0);

    const published = await publish(t, withRival);
    await eventually(completed);

    expect((await lead(rival)).fitScore).toBe(-30);
    expect((await lead(other)).fitScore).toBe(0);
    const score = (await t.api('get', `/api/v1/leads/${rival}/score`)).body;
    expect(score).toMatchObject({ modelVersion: published.version, fitScore: -30, fitContributions: [{ ruleId: 'rival', points: -30 }] });
    const [row] = await t.db.query(`SELECT fit_model_version FROM leads WHERE id = $1`, [rival]);
    expect(row.fit_model_version).toBe(published.version);
    expect((await t.api('get', '/api/v1/scoring-model')).body.reevaluation).toMatchObject({ status: 'completed', refitted: 1, promoted: 0 });
  });
});

describe('a re-evaluation in batches (no worker: batches run one by one)', () => {
  let t: TestApp;
  let reevaluations: ScoringReevaluationService;
  const clock = new ManualClock('2026-03-02T10:00:00Z');

  beforeAll(async () => {
    t = await startTestApp({ clock, role: 'api' });
    reevaluations = t.app.get(ScoringReevaluationService);
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    await t.db.query(`DELETE FROM leads`);
  });

  /** `n` leads at 45 points with two BANT answers, in id order: an MQL under a threshold of 40, not under 50. */
  async function warmLeads(n: number): Promise<string[]> {
    const rows: { id: string }[] = await t.db.query(
      `INSERT INTO leads (email, email_normalized, qualification, engagement_score, engagement_as_of)
       SELECT e, e, '{"need": "website", "budget": "10k"}', 45, $2 FROM (SELECT 'warm-' || i || '@bakkerij.be' AS e FROM generate_series(1, $1) i) x
       RETURNING id`,
      [n, clock.now().toISOString()],
    );
    return rows.map((r) => r.id).sort();
  }
  const run = async (version: number) => (await t.api('get', `/api/v1/scoring-model/versions/${version}`)).body.reevaluation;
  const stages = async (ids: string[]) =>
    (await t.db.query(`SELECT stage FROM leads WHERE id = ANY($1::uuid[]) ORDER BY id`, [ids])).map((r: { stage: string }) => r.stage);
  const promotions = async (ids: string[]) =>
    (await t.db.query(`SELECT lead_id FROM stage_changes WHERE lead_id = ANY($1::uuid[]) AND to_stage = 'mql' ORDER BY lead_id`, [ids])).map(
      (r: { lead_id: string }) => r.lead_id,
    );
  async function runToEnd(service = reevaluations): Promise<void> {
    while (await service.runBatch(2));
  }

  it('resumes after an interrupted batch where the last committed batch ended, doing nothing twice', async () => {
    const ids = await warmLeads(5);
    const { version } = await publish(t, lowerThreshold(40));

    expect(await reevaluations.runBatch(2)).toMatchObject({ version, leads: 2, promoted: 2, finished: false });
    // The next batch dies before it commits (as a killed worker's would): promoting its second lead fails.
    await t.db.query(`
      CREATE FUNCTION fail_promotion() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'worker killed'; END $$;
      CREATE TRIGGER fail_promotion BEFORE UPDATE OF stage ON leads FOR EACH ROW WHEN (NEW.id = '${ids[3]}') EXECUTE FUNCTION fail_promotion()`);
    try {
      await expect(reevaluations.runBatch(2)).rejects.toThrow(/worker killed/);
    } finally {
      await t.db.query(`DROP TRIGGER fail_promotion ON leads; DROP FUNCTION fail_promotion()`);
    }
    expect(await run(version)).toMatchObject({ status: 'running', leadsTotal: 5, leadsDone: 2, promoted: 2 });
    expect(await stages(ids)).toEqual(['mql', 'mql', 'lead', 'lead', 'lead']);

    // Another process (nothing but PostgreSQL in common) carries on from there.
    const other = await startTestApp({ clock, role: 'api', database: t.database });
    try {
      await runToEnd(other.app.get(ScoringReevaluationService));
    } finally {
      await other.close();
    }
    expect(await run(version)).toMatchObject({ status: 'completed', leadsDone: 5, promoted: 5, progress: 1 });
    expect(await stages(ids)).toEqual(['mql', 'mql', 'mql', 'mql', 'mql']);
    expect(await promotions(ids)).toEqual(ids); // each lead promoted once
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM outbox_events WHERE type = 'lead.mql' AND lead_id = ANY($1::uuid[])`, [ids]);
    expect(n).toBe(5); // one hand-off request each
    expect(await reevaluations.runBatch(2)).toBeNull();
  });

  it('is superseded by a newer publish, which re-evaluates every lead under the newer version', async () => {
    const ids = await warmLeads(4);
    const second = (await publish(t, lowerThreshold(40))).version;
    expect(await reevaluations.runBatch(2)).toMatchObject({ version: second, leads: 2, promoted: 2 });

    const third = await publish(t, (def) => withRival(lowerThreshold(50)(def)));
    expect(third.reevaluation).toMatchObject({ status: 'running', leadsDone: 0, leadsTotal: 4 });
    expect(await run(second)).toMatchObject({ status: 'superseded', leadsDone: 2, promoted: 2, finishedAt: expect.any(String) });

    await runToEnd();
    expect(await run(second)).toMatchObject({ status: 'superseded', leadsDone: 2 });
    expect(await run(third.version)).toMatchObject({ status: 'completed', leadsDone: 4, promoted: 0 });
    // The leads the superseded run promoted stay MQL (moves go forward only); the rest are judged by the newer version.
    expect(await stages(ids)).toEqual(['mql', 'mql', 'lead', 'lead']);
  });
});
