import { INestApplicationContext } from '@nestjs/common';
import { ManualClock } from '../src/common/clock.js';
import { ProgramScheduler } from '../src/programs/scheduler/program-scheduler.service.js';
import { createProgram, createTemplate, DAY } from './programs-helpers.js';
import { eventually, startTestApp, startTestWorker, type TestApp } from './support/test-app.js';

describe('the program scheduler across worker processes', () => {
  let api: TestApp;
  const workers: INestApplicationContext[] = [];
  const claimedBy = [0, 0];
  const clock = new ManualClock('2026-03-02T09:00:00Z'); // Monday 10:00 in Brussels

  beforeAll(async () => {
    api = await startTestApp({ role: 'api', clock, env: { PROGRAMS_TICK_MS: '50', PROGRAMS_CLAIM_BATCH: '20' } });
    for (const i of [0, 1]) {
      const worker = await startTestWorker(api, clock);
      const scheduler = worker.get(ProgramScheduler);
      const runBatch = scheduler.runBatch.bind(scheduler);
      scheduler.runBatch = async (ids) => {
        const n = await runBatch(ids);
        claimedBy[i] += n;
        return n;
      };
      workers.push(worker);
    }
  });
  afterAll(async () => {
    for (const w of workers) await w.close();
    await api?.close();
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
    const leads: { id: string }[] = await api.db.query(
      `INSERT INTO leads (email, email_normalized, consent_status, timezone, created_at, updated_at, engagement_as_of)
       SELECT 'w' || i || '@example.be', 'w' || i || '@example.be', 'granted', 'Europe/Brussels', $1, $1, $1 FROM generate_series(1, 400) i RETURNING id`,
      [clock.now().toISOString()],
    );
    const enrolled = await api.api('post', `/api/v1/programs/${programId}/enrollments`).send({ leadIds: leads.map((l) => l.id) });
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
    const steps = (templateId: string) => [
      { id: 'mail', type: 'email', templateId, next: 'end' },
      { id: 'end', type: 'exit' },
    ];
    const healthy = await createProgram(api, { name: 'Gezond', trigger: { type: 'manual' }, steps: steps(good) });
    const broken = await createProgram(api, { name: 'Stuk', trigger: { type: 'manual' }, steps: steps(doomed) });
    await api.db.query(`UPDATE templates SET archived_at = $2 WHERE id = $1`, [doomed, clock.now()]);
    const leads: { id: string }[] = await api.db.query(
      `INSERT INTO leads (email, email_normalized, consent_status, created_at, updated_at, engagement_as_of)
       SELECT 'p' || i || '@example.be', 'p' || i || '@example.be', 'granted', $1, $1, $1 FROM generate_series(1, 10) i RETURNING id`,
      [clock.now().toISOString()],
    );
    await api.api('post', `/api/v1/programs/${broken}/enrollments`).send({ leadId: leads[0].id });
    await api.api('post', `/api/v1/programs/${healthy}/enrollments`).send({ leadIds: leads.map((l) => l.id) });

    await eventually(async () => (await count(`SELECT count(*)::int AS n FROM enrollments WHERE program_id = $1 AND status = 'completed'`, [healthy])) === 10);
    const [stuck] = await api.db.query(`SELECT status, failures, last_error, next_run_at > $2 AS later FROM enrollments WHERE program_id = $1`, [broken, clock.now()]);
    expect(stuck).toMatchObject({ status: 'active', later: true });
    expect(stuck.failures).toBeGreaterThanOrEqual(1);
    expect(stuck.last_error).toMatch(/Template/);
  });

  it('leaves an enrollment whose lead is busy elsewhere for a later claim while the rest of its batch runs', async () => {
    const programId = await createProgram(api, {
      name: 'Bezet',
      trigger: { type: 'manual' },
      steps: [
        { id: 'pause', type: 'wait', duration: 'P1D', next: 'end' },
        { id: 'end', type: 'exit' },
      ],
    });
    const leads: { id: string }[] = await api.db.query(
      `INSERT INTO leads (email, email_normalized, consent_status, created_at, updated_at, engagement_as_of)
       SELECT 'b' || i || '@example.be', 'b' || i || '@example.be', 'granted', $1, $1, $1 FROM generate_series(1, 5) i RETURNING id`,
      [clock.now().toISOString()],
    );
    const runsOf = (leadId: string) =>
      count(`SELECT count(*)::int AS n FROM step_runs r JOIN enrollments e ON e.id = r.enrollment_id WHERE e.program_id = $1 AND e.lead_id = $2`, [programId, leadId]);
    // Another transaction (scoring, say) holds the first lead; enrolling only takes a key-share lock, so it does not wait.
    const busy = api.db.createQueryRunner();
    await busy.connect();
    try {
      await busy.startTransaction();
      await busy.query(`SELECT id FROM leads WHERE id = $1 FOR NO KEY UPDATE`, [leads[0].id]);
      const enrolled = await api.api('post', `/api/v1/programs/${programId}/enrollments`).send({ leadIds: leads.map((l) => l.id) });
      expect(enrolled.body.enrolled).toBe(5);
      await eventually(async () => (await Promise.all(leads.slice(1).map((l) => runsOf(l.id)))).every((n) => n === 1));
      await new Promise((r) => setTimeout(r, 300)); // several more ticks
      expect(await runsOf(leads[0].id)).toBe(0);
      await busy.rollbackTransaction();
    } finally {
      await busy.release();
    }
    await eventually(async () => (await runsOf(leads[0].id)) === 1);
  });
});
