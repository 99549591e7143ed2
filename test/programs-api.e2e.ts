import { evaluateCondition } from '../src/programs/domain/evaluate-condition.js';
import type { Condition } from '../src/programs/domain/program-definition.js';
import { sampleLead, worldOf } from '../src/programs/domain/lead-facts.fixture.js';
import { scoreAt, scoreAtSql } from '../src/scoring/domain/decay.js';
import { ScoringModelService } from '../src/scoring/scoring-model.service.js';
import { createLead, createProgram, DAY, emailsOf, enroll, enrollmentOf, insertLeads, oneWaitSteps, programsWorld, sendEvent } from './programs-helpers.js';
import { eventually } from './support/test-app.js';

describe('the programs API', () => {
  const t = programsWorld({ templates: { welcome: { name: 'welkom', locales: ['nl', 'fr'] }, reminder: 'herinnering' } });
  const { clock, templates: tpl } = t;

  const program = (name: string, steps?: unknown[], extra: Record<string, unknown> = {}) => ({
    name,
    trigger: { type: 'manual' },
    steps: steps ?? [
      { id: 'welcome', type: 'email', templateId: tpl.welcome, next: 'wait1' },
      { id: 'wait1', type: 'wait', duration: 'P3D', next: 'clicked' },
      { id: 'clicked', type: 'branch', if: { clicked: { step: 'welcome' } }, then: 'end', else: 'reminder' },
      { id: 'reminder', type: 'email', templateId: tpl.reminder, next: 'end' },
      { id: 'end', type: 'exit' },
    ],
    ...extra,
  });

  describe('drafts and versions', () => {
    it('refuses a program whose steps do not form a valid graph with 422 naming the step', async () => {
      const res = await t.api('post', '/api/v1/programs').send(
        program('Kapot', [
          { id: 'welcome', type: 'email', templateId: tpl.welcome, next: 'nowhere' },
          { id: 'end', type: 'exit' },
        ]),
      );
      expect(res.status).toBe(422);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body.errors).toEqual(expect.arrayContaining([{ field: 'steps[welcome].next', message: 'points to unknown step "nowhere"' }]));
      const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM programs WHERE name = 'Kapot'`);
      expect(n).toBe(0);
    });

    it('names the email step whose template is missing or lacks a program locale', async () => {
      const res = await t.api('post', '/api/v1/programs').send(
        program('Talen', [
          { id: 'welcome', type: 'email', templateId: tpl.welcome, next: 'reminder' },
          { id: 'reminder', type: 'email', templateId: tpl.reminder, next: 'ghost' },
          { id: 'ghost', type: 'email', templateId: '00000000-0000-4000-8000-000000000000', next: 'end' },
          { id: 'end', type: 'exit' },
        ], { locales: ['nl', 'fr'] }),
      );
      expect(res.status).toBe(422);
      const fields = res.body.errors.map((e: { field: string }) => e.field);
      expect(fields).toEqual(['steps[reminder].templateId', 'steps[ghost].templateId']);
    });

    it('refuses a trigger that can never enroll anyone (every lead it fires for already meets the goal) with 422 naming the trigger', async () => {
      const newMql = program('Nieuwe MQL', undefined, { trigger: { type: 'stage_entered', stage: 'mql' } });
      const res = await t.api('post', '/api/v1/programs').send(newMql);
      expect(res.status).toBe(422);
      expect(res.body.errors).toEqual([{ field: 'trigger', message: expect.stringContaining('already meets the default goal') }]);
      expect((await t.db.query(`SELECT 1 FROM programs WHERE name = 'Nieuwe MQL'`)).length).toBe(0);
      // With a goal beyond the stage it enters on, the same trigger is fine.
      const ok = await t.api('post', '/api/v1/programs').send({ ...newMql, goal: { anyOf: [{ stageAtLeast: 'sql' }] } });
      expect(ok.status).toBe(201);

      // Editing the draft into a trigger event that is itself a goal event is refused too, and the draft is kept.
      const edit = await t.api('put', `/api/v1/programs/${ok.body.id}`).send(program('Afspraak', undefined, { trigger: { type: 'event', eventType: 'meeting_booked' } }));
      expect(edit.status).toBe(422);
      expect(edit.body.errors.map((e: { field: string }) => e.field)).toEqual(['trigger']);
      expect((await t.api('get', `/api/v1/programs/${ok.body.id}`)).body.name).toBe('Nieuwe MQL');

      // A draft saved before this rule is refused at publish, and nothing is published.
      await t.db.query(`UPDATE programs SET draft = draft || '{"trigger": {"type": "stage_entered", "stage": "sql"}}'::jsonb WHERE id = $1`, [ok.body.id]);
      const publish = await t.api('post', `/api/v1/programs/${ok.body.id}/publish`);
      expect([publish.status, publish.body.errors?.map((e: { field: string }) => e.field)]).toEqual([422, ['trigger']]);
      expect((await t.db.query(`SELECT 1 FROM program_versions WHERE program_id = $1`, [ok.body.id])).length).toBe(0);
    });

    it('refuses a trigger that fires for nobody it could take (stage_entered disqualified or subscriber) at save and at publish', async () => {
      const disqualified = program('Gediskwalificeerd', undefined, { trigger: { type: 'stage_entered', stage: 'disqualified' } });
      const res = await t.api('post', '/api/v1/programs').send(disqualified);
      expect(res.status).toBe(422);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body.errors).toEqual([{ field: 'trigger', message: expect.stringContaining('disqualified leads are never nurtured') }]);
      expect((await t.db.query(`SELECT 1 FROM programs WHERE name = 'Gediskwalificeerd'`)).length).toBe(0);
      const subscriber = await t.api('post', '/api/v1/programs').send(program('Abonnee', undefined, { trigger: { type: 'stage_entered', stage: 'subscriber' } }));
      expect([subscriber.status, subscriber.body.errors?.map((e: { field: string }) => e.field)]).toEqual([422, ['trigger']]);

      // A draft saved before this rule is refused at publish, and nothing is published.
      const ok = await t.api('post', '/api/v1/programs').send(program('Teruggestuurd', undefined, { trigger: { type: 'stage_entered', stage: 'recycled' } }));
      expect(ok.status).toBe(201);
      await t.db.query(`UPDATE programs SET draft = draft || '{"trigger": {"type": "stage_entered", "stage": "disqualified"}}'::jsonb WHERE id = $1`, [ok.body.id]);
      const publish = await t.api('post', `/api/v1/programs/${ok.body.id}/publish`);
      expect([publish.status, publish.body.errors]).toEqual([422, [{ field: 'trigger', message: expect.stringContaining('can never enroll anyone') }]]);
      expect((await t.db.query(`SELECT 1 FROM program_versions WHERE program_id = $1`, [ok.body.id])).length).toBe(0);
    });

    it('edits the draft, publishes immutable versions and keeps the history', async () => {
      const created = await t.api('post', '/api/v1/programs').send(program('Gids'));
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ status: 'draft', currentVersion: null, definition: { sendWindow: { from: '09:00', to: '17:00' } } });
      const id = created.body.id;
      expect((await t.api('post', `/api/v1/programs/${id}/pause`)).status).toBe(409); // a draft cannot pause

      const v1 = await t.api('post', `/api/v1/programs/${id}/publish`);
      expect(v1.body).toMatchObject({ status: 'active', currentVersion: 1, versions: [{ version: 1 }] });
      const edited = await t.api('put', `/api/v1/programs/${id}`).send(program('Gids v2', undefined, { reenrollment: { policy: 'after', days: 30 } }));
      expect(edited.body).toMatchObject({ name: 'Gids v2', currentVersion: 1 });
      const v2 = await t.api('post', `/api/v1/programs/${id}/publish`);
      expect(v2.body.versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
      const [first] = await t.db.query(`SELECT definition FROM program_versions WHERE program_id = $1 AND version = 1`, [id]);
      expect(first.definition.reenrollment).toEqual({ policy: 'never' });

      const list = await t.api('get', '/api/v1/programs?status=active&limit=500');
      expect(list.body.items.map((p: { id: string }) => p.id)).toContain(id);
      expect((await t.api('get', `/api/v1/programs/${id}`)).body.name).toBe('Gids v2');
    });

    it('archives a program: active enrollments exit with reason "archived" and nothing is sent any more', async () => {
      const id = await createProgram(t, program('Archief'));
      const enrollmentId = await enroll(t, id, await createLead(t, 'archief@example.be'));
      await eventually(async () => (await emailsOf(t, enrollmentId)).length === 1);
      const archived = await t.api('post', `/api/v1/programs/${id}/archive`);
      expect(archived.body.status).toBe('archived');
      const [e] = await t.db.query(`SELECT status, exit_reason, next_run_at FROM enrollments WHERE id = $1`, [enrollmentId]);
      expect(e).toEqual({ status: 'exited', exit_reason: 'archived', next_run_at: null });
      expect((await t.api('post', `/api/v1/programs/${id}/publish`)).status).toBe(409);
      expect((await t.api('post', `/api/v1/programs/${id}/enrollments`).send({ leadId: await createLead(t, 'laat@example.be') })).status).toBe(409);
    });

    it('refuses programs to callers without the marketer role', async () => {
      const { body } = await t.api('post', '/api/v1/api-keys').send({ name: 'sales', role: 'sales' });
      expect((await t.api('get', '/api/v1/programs', body.key)).status).toBe(403);
    });
  });

  describe('enrollments', () => {
    it('enrolls one lead once: a second request is a conflict', async () => {
      const id = await createProgram(t, program('Eenmalig'));
      const leadId = await createLead(t, 'een@example.be');
      const res = await t.api('post', `/api/v1/programs/${id}/enrollments`).send({ leadId });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ leadId, programVersion: 1, status: 'active', currentStepId: 'welcome', via: 'manual' });
      expect((await t.api('post', `/api/v1/programs/${id}/enrollments`).send({ leadId })).status).toBe(409);
      expect((await t.api('post', `/api/v1/programs/${id}/enrollments`).send({ leadId, leadIds: [leadId] })).status).toBe(422);
    });

    it('enrolls 1,000 leads in one request and pages through them with a cursor', async () => {
      const leads = await insertLeads(t, 'bulk', 1000, clock.now());
      const id = await createProgram(t, program('Bulk', oneWaitSteps('P30D')));
      const res = await t.api('post', `/api/v1/programs/${id}/enrollments`).send({ leadIds: leads });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ requested: 1000, enrolled: 1000, skipped: 0, goalAlreadyMet: 0, suppressed: 0 });
      expect((await t.api('post', `/api/v1/programs/${id}/enrollments`).send({ leadIds: leads })).body.enrolled).toBe(0);

      const seen = new Set<string>();
      let cursor: string | null = null;
      do {
        const page: { body: { items: { id: string }[]; nextCursor: string | null } } = await t.api(
          'get',
          `/api/v1/programs/${id}/enrollments?limit=300${cursor ? `&cursor=${cursor}` : ''}`,
        );
        page.body.items.forEach((e) => seen.add(e.id));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(seen.size).toBe(1000);
      await eventually(async () => {
        const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM step_runs r JOIN enrollments e ON e.id = r.enrollment_id WHERE e.program_id = $1`, [id]);
        return n === 1000;
      });
    });

    it('enrolls a segment with the same meaning as the interpreter gives its condition', async () => {
      const people = [
        { email: 'seg1@example.be', attributes: { industry: 'Food', employees: '12' }, jobTitle: 'Zaakvoerder' },
        { email: 'seg2@example.be', attributes: { industry: 'bouw', employees: 40 }, jobTitle: 'CFO' },
        { email: 'seg3@example.be', attributes: { industry: 'food', employees: 3 } },
        { email: 'seg4@example.be', attributes: { employees: 'veel' }, jobTitle: 'zaakvoerder' },
      ];
      const ids: string[] = [];
      for (const p of people) ids.push(await createLead(t, p.email, p));
      const conditions: Condition[] = [
        { field: 'attributes.industry', op: 'equals', value: 'food' },
        { field: 'attributes.employees', op: 'gte', value: 10 },
        { and: [{ field: 'jobTitle', op: 'startsWith', value: 'zaak' }, { not: { field: 'attributes.industry', op: 'exists' } }] },
        { or: [{ field: 'attributes.employees', op: 'in', value: [3, 40] }, { field: 'jobTitle', op: 'equals', value: null }] },
        { field: 'attributes.industry', op: 'notEquals', value: 'food' },
      ];
      for (const [i, where] of conditions.entries()) {
        const id = await createProgram(t, program(`Segment ${i}`));
        const res = await t.api('post', `/api/v1/programs/${id}/enrollments`).send({ segment: { where: { and: [where, { field: 'email', op: 'endsWith', value: '@example.be' }, { field: 'email', op: 'startsWith', value: 'seg' }] } } });
        expect(res.status).toBe(200);
        const rows: { lead_id: string }[] = await t.db.query(`SELECT lead_id FROM enrollments WHERE program_id = $1`, [id]);
        const enrolled = people.filter((_, j) => rows.some((r) => r.lead_id === ids[j])).map((p) => p.email);
        const expected = people
          .filter((p) => evaluateCondition(where, worldOf({ now: clock.now(), lead: sampleLead({ email: p.email, jobTitle: p.jobTitle ?? null, attributes: p.attributes }) })))
          .map((p) => p.email);
        expect({ where, enrolled }).toEqual({ where, enrolled: expected });
      }
    });
    it('refuses a segment comparing with gt/lt a value that is neither a number nor a date, naming it, and enrolls no one', async () => {
      const id = await createProgram(t, program('Segment vergelijking'));
      for (const [where, field] of [
        [{ field: 'attributes.employees', op: 'gt', value: 'abc' }, 'segment.where.value'],
        [{ and: [{ field: 'email', op: 'exists' }, { field: 'attributes.contractEnds', op: 'lte', value: '2026-02-30' }] }, 'segment.where.and[1].value'],
      ] as const) {
        const res = await t.api('post', `/api/v1/programs/${id}/enrollments`).send({ segment: { where } });
        expect([res.status, res.body.errors?.map((e: { field: string }) => e.field)]).toEqual([422, [field]]);
      }
      expect(await t.db.query(`SELECT 1 FROM enrollments WHERE program_id = $1`, [id])).toEqual([]);
    });

    it('an entry filter on the engagement score judges it decayed to now, for one lead, a list and a segment, as a trigger does', async () => {
      const { halfLifeDays } = (await t.app.get(ScoringModelService).current()).definition;
      const engaged = { entryFilter: { field: 'engagementScore', op: 'gte', value: 40 } };
      /** A lead with 60 points stored, earned `ageDays` ago: two half-lives ago that is 15 now, below the filter. */
      async function scored(email: string, ageDays: number): Promise<string> {
        const id = await createLead(t, email, { attributes: { batch: 'verval' } });
        await t.db.query(`UPDATE leads SET engagement_score = 60, engagement_as_of = $2 WHERE id = $1`, [id, new Date(clock.now().getTime() - ageDays * DAY)]);
        return id;
      }
      const faded = await scored('verval-oud@example.be', 2 * halfLifeDays);
      const fresh = await scored('verval-vers@example.be', 0);
      const expected = (id: string) => (id === fresh ? 'enrolled' : 'not enrolled');
      const outcome = async (programId: string, id: string) => ((await enrollmentOf(t, programId, id)) ? 'enrolled' : 'not enrolled');

      const one = await createProgram(t, program('Verval een', undefined, engaged));
      expect((await t.api('post', `/api/v1/programs/${one}/enrollments`).send({ leadId: faded })).body).toMatchObject({ status: 409, reason: 'not_eligible' });
      expect((await t.api('post', `/api/v1/programs/${one}/enrollments`).send({ leadId: fresh })).status).toBe(201);

      const list = await createProgram(t, program('Verval lijst', undefined, engaged));
      expect((await t.api('post', `/api/v1/programs/${list}/enrollments`).send({ leadIds: [faded, fresh] })).body).toMatchObject({ enrolled: 1, skipped: 1 });

      const segment = await createProgram(t, program('Verval segment', undefined, engaged));
      const bySegment = await t.api('post', `/api/v1/programs/${segment}/enrollments`).send({ segment: { where: { field: 'attributes.batch', op: 'equals', value: 'verval' } } });
      expect(bySegment.body).toMatchObject({ enrolled: 1 });
      // The segment's own condition on the score is judged the same way.
      const scoreSegment = await createProgram(t, program('Verval score-segment'));
      const byScore = await t.api('post', `/api/v1/programs/${scoreSegment}/enrollments`).send({
        segment: { where: { and: [{ field: 'attributes.batch', op: 'equals', value: 'verval' }, { field: 'engagementScore', op: 'gte', value: 40 }] } },
      });
      expect(byScore.body).toMatchObject({ enrolled: 1 });

      // A trigger (an event worth no points) judges the same leads the same way.
      const triggered = await createProgram(t, program('Verval trigger', undefined, { ...engaged, trigger: { type: 'event', eventType: 'verval_gezien' } }));
      for (const id of [faded, fresh]) await sendEvent(t, { leadId: id, type: 'verval_gezien' });

      for (const programId of [one, list, segment, scoreSegment, triggered]) {
        expect({ programId, faded: await outcome(programId, faded), fresh: await outcome(programId, fresh) }).toEqual({
          programId,
          faded: expected(faded),
          fresh: expected(fresh),
        });
      }
    });

    it('the SQL decay of a score (scoreAtSql) is the decay of scoreAt', async () => {
      const at = clock.now();
      const cases = [
        { value: 60, asOf: new Date(at.getTime() - 60 * DAY), halfLife: 30 },
        { value: 17.5, asOf: new Date(at.getTime() - 3.25 * DAY), halfLife: 7 },
        { value: -12, asOf: new Date(at.getTime() - 400 * DAY), halfLife: 90 },
        { value: 40, asOf: new Date(at.getTime() + DAY), halfLife: 30 }, // never decays backwards
      ];
      const rows: { score: number }[] = await t.db.query(
        `SELECT ${scoreAtSql('v.value', 'v.as_of', '$4::timestamptz', 'v.half_life')} AS score
           FROM unnest($1::float8[], $2::timestamptz[], $3::float8[]) WITH ORDINALITY AS v(value, as_of, half_life, i) ORDER BY v.i`,
        [cases.map((c) => c.value), cases.map((c) => c.asOf.toISOString()), cases.map((c) => c.halfLife), at.toISOString()],
      );
      rows.forEach((r, i) => expect(r.score).toBeCloseTo(scoreAt({ value: cases[i].value, asOf: cases[i].asOf }, at, cases[i].halfLife), 9));
    });
  });

  it('simulates a dated timeline for a sample lead with windows applied, sending and storing nothing', async () => {
    const id = await createProgram(t, program('Simulatie'), false);
    const res = await t.api('post', `/api/v1/programs/${id}/simulate`).send({
      lead: { stage: 'lead', timezone: 'Europe/Brussels', firstName: 'An' },
      from: '2026-03-06T16:30:00+01:00', // Friday 16:30
      events: [{ type: 'email_clicked', at: '2026-03-07T10:00:00+01:00', properties: { stepId: 'welcome' } }],
    });
    expect(res.status).toBe(200);
    const timeline = res.body.timeline.map((e: { at: string; stepId: string; action: string }) => `${e.at} ${e.stepId} ${e.action}`);
    expect(timeline).toEqual([
      '2026-03-06T15:30:00.000Z null enrolled',
      '2026-03-06T15:30:00.000Z welcome email',
      '2026-03-06T15:30:00.000Z wait1 wait',
      '2026-03-09T15:30:00.000Z wait1 resumed',
      '2026-03-09T15:30:00.000Z clicked branch',
      '2026-03-09T15:30:00.000Z end completed',
    ]);
    expect(res.body).toMatchObject({ outcome: { status: 'completed' }, emails: 1, version: null, timezone: 'Europe/Brussels' });

    const silent = await t.api('post', `/api/v1/programs/${id}/simulate`).send({ lead: {}, from: '2026-03-06T16:30:00+01:00' });
    const reminderAt = silent.body.timeline.find((e: { stepId: string; action: string }) => e.stepId === 'reminder' && e.action === 'email');
    expect(reminderAt.at).toBe('2026-03-09T15:30:00.000Z');
    const late = await t.api('post', `/api/v1/programs/${id}/simulate`).send({ lead: {}, from: '2026-03-06T17:30:00+01:00' });
    expect(late.body.timeline.find((e: { action: string }) => e.action === 'deferred').detail).toEqual({ until: '2026-03-09T08:00:00.000Z', reason: 'send_window' });

    const bad = await t.api('post', `/api/v1/programs/${id}/simulate`).send({ lead: { stage: 'warm', colour: 'blue' } });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['lead.colour', 'lead.stage']);
    const [stored] = await t.db.query(
      `SELECT (SELECT count(*) FROM enrollments WHERE program_id = $1)::int AS enrollments,
              (SELECT count(*) FROM email_messages m JOIN enrollments e ON e.id = m.enrollment_id WHERE e.program_id = $1)::int AS emails`,
      [id],
    );
    expect(stored).toEqual({ enrollments: 0, emails: 0 });
  });

  it('reports per step: entered, sent, human opens, clicks, unsubscribes, goal reached and exits', async () => {
    const id = await createProgram(t, program('Statistiek'));
    const leads = await Promise.all(['s1', 's2', 's3'].map((n) => createLead(t, `${n}@stats.example.be`)));
    const enrollments = await Promise.all(leads.map((l) => enroll(t, id, l)));
    // Delivered (to the development mailbox) before anything else happens to these leads.
    await eventually(async () => {
      const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM email_messages WHERE enrollment_id = ANY($1::uuid[]) AND status = 'sent'`, [enrollments]);
      return n === 3;
    });
    const interact = `INSERT INTO email_interactions (message_id, lead_id, kind, machine, reason, occurred_at)
                      SELECT id, lead_id, $2, $3, 'test', $4 FROM email_messages WHERE enrollment_id = $1`;
    await t.db.query(interact, [enrollments[0], 'open', false, clock.now()]);
    await t.db.query(interact, [enrollments[0], 'click', false, clock.now()]);
    await t.db.query(interact, [enrollments[1], 'open', true, clock.now()]); // Apple Mail Privacy Protection
    await t.db.query(
      `INSERT INTO events (lead_id, type, occurred_at, properties) VALUES ($1, 'unsubscribed', $2, $3)`,
      [leads[2], clock.now(), JSON.stringify({ enrollmentId: enrollments[2], stepId: 'welcome' })],
    );
    await t.db.query(`UPDATE leads SET consent_status = 'withdrawn' WHERE id = $1`, [leads[2]]);
    await t.api('post', '/api/v1/events').send({ leadId: leads[1], type: 'meeting_booked' });
    await eventually(async () => {
      const [e] = await t.db.query(`SELECT status FROM enrollments WHERE id = $1`, [enrollments[1]]);
      return e.status === 'converted';
    });
    clock.advance(3 * DAY);
    await eventually(async () => {
      const rows = await t.db.query(`SELECT count(*)::int AS n FROM enrollments WHERE program_id = $1 AND status <> 'active'`, [id]);
      return rows[0].n === 3;
    });

    const { body } = await t.api('get', `/api/v1/programs/${id}/stats`);
    const step = (s: string) => body.steps.find((x: { stepId: string }) => x.stepId === s);
    expect(body.enrollments).toEqual({ total: 3, active: 0, completed: 1, converted: 1, exited: 1 });
    expect(step('welcome')).toMatchObject({ type: 'email', entered: 3, sent: 3, delivered: 3, humanOpens: 1, clicks: 1, unsubscribes: 1 });
    expect(step('wait1')).toMatchObject({ entered: 3, goalReached: 1, exited: { consent_withdrawn: 1 } });
    expect(step('clicked')).toMatchObject({ entered: 1 });
    expect(step('end')).toMatchObject({ entered: 1, goalReached: 0 });
  });

  it('installs the starter programs and their templates once', async () => {
    const first = await t.api('post', '/api/v1/programs/starters').send({ activate: true });
    expect(first.status).toBe(200);
    expect(first.body.programs.map((p: { key: string; created: boolean; program: { status: string } }) => [p.key, p.created, p.program.status])).toEqual([
      ['welcome-and-qualify', true, 'active'],
      ['quote-follow-up', true, 'active'],
      ['recycle-monthly', true, 'active'],
    ]);
    expect(first.body.templates.every((tpl: { created: boolean }) => tpl.created)).toBe(true);
    const templateOf = Object.fromEntries(first.body.templates.map((tpl: { name: string; templateId: string }) => [tpl.name, tpl.templateId]));
    expect(Object.keys(templateOf).sort()).toEqual(['quote-followup', 'quote-reminder', 'recycle-monthly', 'welcome-guide']);
    // The quote reminder is an email of its own, not the follow-up sent twice.
    const quote = await t.api('get', `/api/v1/programs/${first.body.programs[1].program.id}`);
    const emails = quote.body.definition.steps.filter((st: { type: string }) => st.type === 'email').map((st: { id: string; templateId: string }) => [st.id, st.templateId]);
    expect(emails).toEqual([
      ['follow-up', templateOf['quote-followup']],
      ['reminder', templateOf['quote-reminder']],
    ]);
    const again = await t.api('post', '/api/v1/programs/starters').send({});
    expect(again.body.programs.every((p: { created: boolean }) => !p.created)).toBe(true);
    expect(again.body.templates.every((tpl: { created: boolean }) => !tpl.created)).toBe(true);

    // A recycled lead enters the monthly program.
    const leadId = await createLead(t, 'gerecycled@example.be');
    await t.db.transaction(async (m) => {
      await m.query(`UPDATE leads SET stage = 'recycled' WHERE id = $1`, [leadId]);
    });
    const recycle = first.body.programs.find((p: { key: string }) => p.key === 'recycle-monthly').program.id;
    const res = await t.api('post', `/api/v1/programs/${recycle}/enrollments`).send({ leadId });
    expect(res.status).toBe(201);
    expect(res.body.currentStepId).toBe('month');
  });
});
