import { ManualClock } from '../src/common/clock.js';
import { applyStageChanges } from '../src/lifecycle/stage-change.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * Stage changes applied together (applyStageChanges): a lead may move twice at once — a subscriber made a lead by a
 * download, then an MQL by the rule, or by a form in one upsert — and must end at its last stage however large the batch.
 */
describe('stage changes of one batch', () => {
  let t: TestApp;
  const clock = new ManualClock('2026-01-05T09:00:00Z');

  beforeAll(async () => {
    t = await startTestApp({ clock });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('leaves every lead of a large batch that moved twice at once (subscriber → lead → mql) at its last stage, with both moves in its history', async () => {
    const leads: { id: string }[] = await t.db.query(
      `INSERT INTO leads (email, email_normalized, stage) SELECT e, e, 'subscriber' FROM (SELECT 'batch' || i || '@example.be' AS e FROM generate_series(1, 3000) i) x RETURNING id`,
    );
    await t.db.query(`ANALYZE leads`);
    const at = clock.now();
    await t.db.transaction((m) =>
      applyStageChanges(
        m,
        leads.flatMap(({ id }) => [
          { leadId: id, from: 'subscriber' as const, to: 'lead' as const, actor: 'scoring', reason: 'showed_interest', at },
          { leadId: id, from: 'lead' as const, to: 'mql' as const, actor: 'scoring', reason: 'mql_rule', at },
        ]),
      ),
    );
    const ids = leads.map((l) => l.id);
    const stages = await t.db.query(`SELECT stage, mql_at IS NOT NULL AS mql_at, count(*)::int AS n FROM leads WHERE id = ANY($1::uuid[]) GROUP BY 1, 2`, [ids]);
    expect(stages).toEqual([{ stage: 'mql', mql_at: true, n: 3000 }]);
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM stage_changes WHERE lead_id = ANY($1::uuid[])`, [ids]);
    expect(n).toBe(6000);
  });
});
