import { createProgram, insertLeads, oneWaitSteps, programsWorld } from './programs-helpers.js';
import { eventually } from './support/test-app.js';

/**
 * Steps the API makes due now run at once: resuming a program (the steps held while it was paused) and
 * enrolling leads (their first step) nudge a worker through the queue. The tick is set to its slowest
 * (60 s) here, so only the nudge can run them in time.
 */
describe('steps made due by the API', () => {
  const api = programsWorld({ role: 'api', env: { PROGRAMS_TICK_MS: '60000' }, workers: 1 });
  const { clock } = api;

  const count = async (sql: string, programId: string): Promise<number> => (await api.db.query(sql, [programId]))[0].n;
  const runsOf = (programId: string) => count(`SELECT count(*)::int AS n FROM step_runs r JOIN enrollments e ON e.id = r.enrollment_id WHERE e.program_id = $1`, programId);

  /** A published program whose first step is a two-day wait. */
  const waitProgram = (name: string) =>
    createProgram(api, { name, trigger: { type: 'manual' }, steps: oneWaitSteps('P2D') });
  const leads = (prefix: string, n: number) => insertLeads(api, prefix, n, clock.now());

  it('enrolling runs the first steps within seconds, one lead or many', async () => {
    const programId = await waitProgram('Inschrijven');
    const [first, ...rest] = await leads('e', 11);
    const one = await api.api('post', `/api/v1/programs/${programId}/enrollments`).send({ leadId: first });
    expect(one.status).toBe(201);
    await eventually(async () => (await runsOf(programId)) === 1, 10_000);
    const many = await api.api('post', `/api/v1/programs/${programId}/enrollments`).send({ leadIds: rest });
    expect(many.body.enrolled).toBe(10);
    await eventually(async () => (await runsOf(programId)) === 11, 10_000);
  });

  it('resuming runs the held steps within seconds, not at the next tick', async () => {
    const programId = await waitProgram('Hervat');
    expect((await api.api('post', `/api/v1/programs/${programId}/pause`)).status).toBe(200);
    // Enrolled while paused: due now, held.
    await api.db.query(
      `INSERT INTO enrollments (program_id, program_version, lead_id, via, current_step_id, visits, next_run_at, enrolled_at, updated_at)
       SELECT $1, 1, id, 'bulk', 'pause', '{"pause":1}', $2, $2, $2 FROM unnest($3::uuid[]) id`,
      [programId, clock.now().toISOString(), await leads('h', 30)],
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(await runsOf(programId)).toBe(0);

    expect((await api.api('post', `/api/v1/programs/${programId}/resume`)).status).toBe(200);
    await eventually(async () => (await runsOf(programId)) === 30, 10_000);
    expect(await count(`SELECT count(*)::int AS n FROM enrollments WHERE program_id = $1 AND waiting_for IS NOT NULL`, programId)).toBe(30);
  });
});
