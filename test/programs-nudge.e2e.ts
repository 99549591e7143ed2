import { INestApplicationContext } from '@nestjs/common';
import { ManualClock } from '../src/common/clock.js';
import { createProgram } from './programs-helpers.js';
import { eventually, startTestApp, startTestWorker, type TestApp } from './support/test-app.js';

/**
 * Steps the API makes due now run at once: resuming a program (the steps held while it was paused) and
 * enrolling leads (their first step) nudge a worker through the queue. The tick is set to its slowest
 * (60 s) here, so only the nudge can run them in time.
 */
describe('steps made due by the API', () => {
  let api: TestApp;
  let worker: INestApplicationContext;
  const clock = new ManualClock('2026-03-02T09:00:00Z');

  beforeAll(async () => {
    api = await startTestApp({ role: 'api', clock, env: { PROGRAMS_TICK_MS: '60000' } });
    worker = await startTestWorker(api, clock);
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  const runsOf = async (programId: string): Promise<number> =>
    (await api.db.query(`SELECT count(*)::int AS n FROM step_runs r JOIN enrollments e ON e.id = r.enrollment_id WHERE e.program_id = $1`, [programId]))[0].n;

  it('enrolling runs the first steps within seconds, one lead or many', async () => {
    const programId = await createProgram(api, {
      name: 'Inschrijven',
      trigger: { type: 'manual' },
      steps: [
        { id: 'pause', type: 'wait', duration: 'P2D', next: 'end' },
        { id: 'end', type: 'exit' },
      ],
    });
    const leads: { id: string }[] = await api.db.query(
      `INSERT INTO leads (email, email_normalized, created_at, updated_at, engagement_as_of)
       SELECT 'e' || i || '@example.be', 'e' || i || '@example.be', $1, $1, $1 FROM generate_series(1, 11) i RETURNING id`,
      [clock.now().toISOString()],
    );
    const one = await api.api('post', `/api/v1/programs/${programId}/enrollments`).send({ leadId: leads[0].id });
    expect(one.status).toBe(201);
    await eventually(async () => (await runsOf(programId)) === 1, 10_000);
    const many = await api.api('post', `/api/v1/programs/${programId}/enrollments`).send({ leadIds: leads.slice(1).map((l) => l.id) });
    expect(many.body.enrolled).toBe(10);
    await eventually(async () => (await runsOf(programId)) === 11, 10_000);
  });

  it('resuming runs the held steps within seconds, not at the next tick', async () => {
    const programId = await createProgram(api, {
      name: 'Hervat',
      trigger: { type: 'manual' },
      steps: [
        { id: 'pause', type: 'wait', duration: 'P2D', next: 'end' },
        { id: 'end', type: 'exit' },
      ],
    });
    expect((await api.api('post', `/api/v1/programs/${programId}/pause`)).status).toBe(200);
    const leads: { id: string }[] = await api.db.query(
      `INSERT INTO leads (email, email_normalized, created_at, updated_at, engagement_as_of)
       SELECT 'h' || i || '@example.be', 'h' || i || '@example.be', $1, $1, $1 FROM generate_series(1, 30) i RETURNING id`,
      [clock.now().toISOString()],
    );
    // Enrolled while paused: due now, held.
    await api.db.query(
      `INSERT INTO enrollments (program_id, program_version, lead_id, via, current_step_id, visits, next_run_at, enrolled_at, updated_at)
       SELECT $1, 1, id, 'bulk', 'pause', '{"pause":1}', $2, $2, $2 FROM unnest($3::uuid[]) id`,
      [programId, clock.now().toISOString(), leads.map((l) => l.id)],
    );
    const started = (sql: string) => api.db.query(sql, [programId]).then((r: { n: number }[]) => r[0].n);
    const runs = `SELECT count(*)::int AS n FROM step_runs r JOIN enrollments e ON e.id = r.enrollment_id WHERE e.program_id = $1`;
    await new Promise((r) => setTimeout(r, 500));
    expect(await started(runs)).toBe(0);

    expect((await api.api('post', `/api/v1/programs/${programId}/resume`)).status).toBe(200);
    await eventually(async () => (await started(runs)) === 30, 10_000);
    expect(await started(`SELECT count(*)::int AS n FROM enrollments WHERE program_id = $1 AND waiting_for IS NOT NULL`)).toBe(30);
  });
});
