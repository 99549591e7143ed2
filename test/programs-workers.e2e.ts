import { ProgramScheduler } from '../src/programs/scheduler/program-scheduler.service.js';
import { createProgram, createTemplate, DAY, insertLeads, oneEmailSteps, oneWaitSteps, programsWorld } from './programs-helpers.js';
import { eventually } from './support/test-app.js';

describe('the program scheduler across worker processes', () => {
  const api = programsWorld({ role: 'api', env: { PROGRAMS_CLAIM_BATCH: '20' }, workers: 2 });
  const { clock } = api;
  const claimedBy = [0, 0];

  beforeAll(() => {
    for (const [i, worker] of api.workers.entries()) {
      const scheduler = worker.get(ProgramScheduler);
      const runBatch = scheduler.runBatch.bind(scheduler);
      scheduler.runBatch = async (ids) => {
        const n = await runBatch(ids);
        claimedBy[i] += n;
        return n;
      };
    }
  });

  const count = async (sql: string, params: unknown[]) => (await api.db.query(sql, params))[0].n as number;

  it('runs every step exactly once with two workers, even when a batch dies half-way and rolls back', async () => {
    const [first, second] = [await createTemplate(api, 'eerste'), await createTemplate(api, 'tweede')];
    const programId = await createProgram(api, {
      name: 'Twee werkers',
      trigger: { type: 'manual' },
      steps: [
        { id: 'welcome', type: 'email', templateId: first, next: 'wait1' },
        { id: 'wait1', type: 'wait', duration: 'P1D', next: 'second' },
        { id: 'second', type: 'email', templateId: second, next: 'end' },
        { id: 'end', type: 'exit' },
      ],
    });
    const leads = await insertLeads(api, 'w', 400, clock.now());
    const enrolled = await api.api('post', `/api/v1/programs/${programId}/enrollments`).send({ leadIds: leads });
    expect(enrolled.body.enrolled).toBe(400);
    const runsOf = (step: string) =>
      count(`SELECT count(*)::int AS n FROM step_runs r JOIN enrollments e ON e.id = r.enrollment_id WHERE e.program_id = $1 AND r.step_id = $2`, [programId, step]);
    await eventually(async () => (await runsOf('wait1')) === 400, 20_000);
    expect(claimedBy[0]).toBeGreaterThan(0);
    expect(claimedBy[1]).toBeGreaterThan(0);

    // The program is held, the day passes, and a batch is killed after it queued its emails but before commit.
    expect((await api.api('post', `/api/v1/programs/${programId}/pause`)).status).toBe(200);
    clock.advance(DAY);
    const scheduler = api.app.get(ProgramScheduler);
    let seenInside = -1;
    const killed = api.db.transaction(async (m) => {
      await m.query(`UPDATE programs SET status = 'active' WHERE id = $1`, [programId]); // visible to this transaction only
      const outcome = await scheduler.runBatchIn(m);
      expect(outcome.claimed).toBe(20);
      seenInside = (await m.query(`SELECT count(*)::int AS n FROM email_messages m JOIN enrollments e ON e.id = m.enrollment_id WHERE e.program_id = $1 AND m.step_id = 'second'`, [programId]))[0].n;
      throw new Error('worker killed before commit');
    });
    await expect(killed).rejects.toThrow('worker killed before commit');
    expect(seenInside).toBe(20);
    expect(await runsOf('second')).toBe(0);

    expect((await api.api('post', `/api/v1/programs/${programId}/resume`)).status).toBe(200);
    await eventually(async () => (await count(`SELECT count(*)::int AS n FROM enrollments WHERE program_id = $1 AND status = 'completed'`, [programId])) === 400, 20_000);

    const perEnrollment: { runs: string; emails: string; n: number }[] = await api.db.query(
      `SELECT runs, emails, count(*)::int AS n FROM (
         SELECT e.id,
                (SELECT string_agg(step_id, ',' ORDER BY r.id) FROM step_runs r WHERE r.enrollment_id = e.id) AS runs,
                (SELECT string_agg(step_id, ',' ORDER BY m.step_id DESC) FROM email_messages m WHERE m.enrollment_id = e.id) AS emails
           FROM enrollments e WHERE e.program_id = $1) x
       GROUP BY runs, emails`,
      [programId],
    );
    expect(perEnrollment).toEqual([{ runs: 'welcome,wait1,second,end', emails: 'welcome,second', n: 400 }]);
  });

  it('holds back one enrollment whose step keeps failing without stopping the others in its batch', async () => {
    const [good, doomed] = [await createTemplate(api, 'goed'), await createTemplate(api, 'verdwijnt')];
    const healthy = await createProgram(api, { name: 'Gezond', trigger: { type: 'manual' }, steps: oneEmailSteps(good) });
    const broken = await createProgram(api, { name: 'Stuk', trigger: { type: 'manual' }, steps: oneEmailSteps(doomed) });
    await api.db.query(`UPDATE templates SET archived_at = $2 WHERE id = $1`, [doomed, clock.now()]);
    const leads = await insertLeads(api, 'p', 10, clock.now());
    await api.api('post', `/api/v1/programs/${broken}/enrollments`).send({ leadId: leads[0] });
    await api.api('post', `/api/v1/programs/${healthy}/enrollments`).send({ leadIds: leads });

    await eventually(async () => (await count(`SELECT count(*)::int AS n FROM enrollments WHERE program_id = $1 AND status = 'completed'`, [healthy])) === 10);
    const [stuck] = await api.db.query(`SELECT status, failures, last_error, next_run_at > $2 AS later FROM enrollments WHERE program_id = $1`, [broken, clock.now()]);
    expect(stuck).toMatchObject({ status: 'active', later: true });
    expect(stuck.failures).toBeGreaterThanOrEqual(1);
    expect(stuck.last_error).toMatch(/Template/);
  });

  it('leaves an enrollment whose lead is busy elsewhere for a later claim while the rest of its batch runs', async () => {
    const programId = await createProgram(api, { name: 'Bezet', trigger: { type: 'manual' }, steps: oneWaitSteps('P1D') });
    const leads = await insertLeads(api, 'b', 5, clock.now());
    const runsOf = (leadId: string) =>
      count(`SELECT count(*)::int AS n FROM step_runs r JOIN enrollments e ON e.id = r.enrollment_id WHERE e.program_id = $1 AND e.lead_id = $2`, [programId, leadId]);
    // Another transaction (scoring, say) holds the first lead; enrolling only takes a key-share lock, so it does not wait.
    const busy = api.db.createQueryRunner();
    await busy.connect();
    try {
      await busy.startTransaction();
      await busy.query(`SELECT id FROM leads WHERE id = $1 FOR NO KEY UPDATE`, [leads[0]]);
      const enrolled = await api.api('post', `/api/v1/programs/${programId}/enrollments`).send({ leadIds: leads });
      expect(enrolled.body.enrolled).toBe(5);
      await eventually(async () => (await Promise.all(leads.slice(1).map(runsOf))).every((n) => n === 1));
      await new Promise((r) => setTimeout(r, 300)); // several more ticks
      expect(await runsOf(leads[0])).toBe(0);
      await busy.rollbackTransaction();
    } finally {
      await busy.release();
    }
    await eventually(async () => (await runsOf(leads[0])) === 1);
  });
});
