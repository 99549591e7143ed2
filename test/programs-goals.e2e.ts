import { SqlParams } from '../src/common/sql-params.js';
import { goalMetOnEntry } from '../src/programs/domain/evaluate-condition.js';
import type { Goal } from '../src/programs/domain/program-definition.js';
import { LEAD_SNAPSHOT_COLUMNS, leadSnapshotOf } from '../src/programs/lead-snapshot.js';
import { goalOnEntrySql } from '../src/programs/segment-sql.js';
import { scoreAt } from '../src/scoring/domain/decay.js';
import { createLead, createProgram, DAY, emailsOf, enroll, enrollmentOf, programsWorld, sendEvent } from './programs-helpers.js';
import { eventually } from './support/test-app.js';

describe('program goals', () => {
  const t = programsWorld({ templates: { welcome: 'welkom' }, resetClock: true });
  const { clock, templates: tpl } = t;

  const longWait = (name: string, extra: Record<string, unknown>) => ({
    name,
    trigger: { type: 'manual' },
    steps: [
      { id: 'welcome', type: 'email', templateId: tpl.welcome, next: 'rest' },
      { id: 'rest', type: 'wait', duration: 'P14D', next: 'end' },
      { id: 'end', type: 'exit' },
    ],
    ...extra,
  });

  /** A lead enrolled in the program, its welcome email sent, now waiting two weeks. */
  async function waiting(programId: string, email: string) {
    const leadId = await createLead(t, email);
    const enrollmentId = await enroll(t, programId, leadId);
    await eventually(async () => (await emailsOf(t, enrollmentId)).length === 1);
    await eventually(async () => (await enrollmentOf(t, programId, leadId))?.current_step_id === 'rest');
    return { leadId, enrollmentId };
  }

  describe('reached across several requests', () => {
    it('an allOf goal converts when its last event arrives, not at the next step two weeks later', async () => {
      const programId = await createProgram(t, longWait('Alles', { goal: { allOf: [{ event: 'webinar_attended' }, { event: 'content_downloaded' }] } }));
      const { leadId } = await waiting(programId, 'alles@example.be');
      await sendEvent(t, { leadId, type: 'webinar_attended' });
      expect(await enrollmentOf(t, programId, leadId)).toMatchObject({ status: 'active' });
      await sendEvent(t, { leadId, type: 'content_downloaded', properties: { asset: 'gids' } });
      // Decided in the transaction that recorded the event: no scheduler tick, no clock moving.
      expect(await enrollmentOf(t, programId, leadId)).toMatchObject({ status: 'converted', exit_reason: 'goal', current_step_id: 'rest' });
    });

    it('an allOf goal does not count an event from before the lead entered the program', async () => {
      const programId = await createProgram(t, longWait('Alles sinds', { goal: { allOf: [{ event: 'webinar_attended' }, { event: 'content_downloaded' }] } }));
      const leadId = await createLead(t, 'eerder@example.be');
      await sendEvent(t, { leadId, type: 'webinar_attended' });
      clock.advance(60_000);
      const enrollmentId = await enroll(t, programId, leadId);
      await eventually(async () => (await emailsOf(t, enrollmentId)).length === 1);
      await sendEvent(t, { leadId, type: 'content_downloaded' });
      expect(await enrollmentOf(t, programId, leadId)).toMatchObject({ status: 'active' });
    });

    it('an allOf goal of an event and a lead field converts on the lead update that completes it', async () => {
      const programId = await createProgram(
        t,
        longWait('Fase en veld', { goal: { allOf: [{ event: 'webinar_attended' }, { field: 'attributes.budgetKnown', op: 'equals', value: true }] } }),
      );
      const { leadId } = await waiting(programId, 'veld@example.be');
      await sendEvent(t, { leadId, type: 'webinar_attended' });
      expect(await enrollmentOf(t, programId, leadId)).toMatchObject({ status: 'active' });
      await createLead(t, 'veld@example.be', { attributes: { budgetKnown: true } });
      expect(await enrollmentOf(t, programId, leadId)).toMatchObject({ status: 'converted', exit_reason: 'goal' });
    });

    it('a goal on a past event within a period converts when that event arrives', async () => {
      const programId = await createProgram(
        t,
        longWait('Prijzen', { goal: { anyOf: [{ and: [{ event: { type: 'webinar_attended', within: 'P30D' } }, { event: { type: 'quote_requested' } }] }] } }),
      );
      const { leadId } = await waiting(programId, 'prijzen@example.be');
      await sendEvent(t, { leadId, type: 'webinar_attended' });
      expect(await enrollmentOf(t, programId, leadId)).toMatchObject({ status: 'active' });
      await sendEvent(t, { leadId, type: 'quote_requested' });
      expect(await enrollmentOf(t, programId, leadId)).toMatchObject({ status: 'converted', exit_reason: 'goal' });
    });
  });

  describe('a lead that already meets the goal when it would enter', () => {
    const mqlGoal = { anyOf: [{ stageAtLeast: 'mql' }, { event: 'meeting_booked' }] };
    const makeMql = (leadId: string) => t.db.query(`UPDATE leads SET stage = 'mql' WHERE id = $1`, [leadId]);
    const enrollmentsIn = async (programId: string) =>
      (await t.db.query(`SELECT count(*)::int AS n FROM enrollments WHERE program_id = $1`, [programId]))[0].n as number;
    const skipsOf = (programId: string) =>
      t.db.query(`SELECT lead_id, reason, via, attempts FROM enrollment_skips WHERE program_id = $1 ORDER BY lead_id`, [programId]) as Promise<
        { lead_id: string; reason: string; via: string; attempts: number }[]
      >;
    const statsOf = async (programId: string) => (await t.api('get', `/api/v1/programs/${programId}/stats`)).body;

    it('is not enrolled by its trigger (no instant conversion in the stats), and the skip is counted with its reason', async () => {
      const programId = await createProgram(t, longWait('Webinar', { trigger: { type: 'event', eventType: 'webinar_attended' }, goal: mqlGoal }));
      const hot = await createLead(t, 'al-mql@example.be');
      await makeMql(hot);
      const cold = await createLead(t, 'nog-lead@example.be');
      await sendEvent(t, { leadId: hot, type: 'webinar_attended' });
      await sendEvent(t, { leadId: cold, type: 'webinar_attended' });
      await sendEvent(t, { leadId: hot, type: 'webinar_attended' }); // a second attempt is counted on the same record
      expect(await enrollmentOf(t, programId, hot)).toBeUndefined();
      expect(await enrollmentOf(t, programId, cold)).toMatchObject({ status: 'active' });
      expect(await skipsOf(programId)).toEqual([{ lead_id: hot, reason: 'goal_already_met', via: 'event', attempts: 2 }]);
      const stats = await statsOf(programId);
      expect(stats.enrollments).toMatchObject({ total: 1, converted: 0 });
      expect(stats.skipped).toEqual({ goal_already_met: 1 });
      expect(stats.steps.reduce((n: number, s: { goalReached: number }) => n + s.goalReached, 0)).toBe(0);
    });

    it('is not enrolled when created already meeting a lead_created program\'s goal', async () => {
      const programId = await createProgram(
        t,
        longWait('Nieuw', { trigger: { type: 'lead_created' }, goal: { anyOf: [{ field: 'attributes.customer', op: 'equals', value: true }] } }),
      );
      const customer = await createLead(t, 'klant@example.be', { attributes: { customer: true } });
      const prospect = await createLead(t, 'prospect@example.be', { attributes: { customer: false } });
      expect(await enrollmentOf(t, programId, customer)).toBeUndefined();
      expect(await enrollmentOf(t, programId, prospect)).toMatchObject({ status: 'active' });
      expect(await skipsOf(programId)).toEqual([{ lead_id: customer, reason: 'goal_already_met', via: 'lead_created', attempts: 1 }]);
    });

    it('is not enrolled by a segment trigger whose goal is a past event within a period it already had', async () => {
      const programId = await createProgram(
        t,
        longWait('Segment', {
          trigger: { type: 'segment', where: { field: 'attributes.industry', op: 'equals', value: 'bouw' } },
          goal: { anyOf: [{ event: { type: 'quote_requested', within: 'P30D' } }] },
        }),
      );
      const asked = await createLead(t, 'offerte-bouw@example.be');
      await sendEvent(t, { leadId: asked, type: 'quote_requested' });
      await createLead(t, 'offerte-bouw@example.be', { attributes: { industry: 'bouw' } });
      const other = await createLead(t, 'bouw@example.be', { attributes: { industry: 'bouw' } });
      expect(await enrollmentOf(t, programId, asked)).toBeUndefined();
      expect(await enrollmentOf(t, programId, other)).toMatchObject({ status: 'active' });
      expect((await skipsOf(programId)).map((s) => [s.lead_id, s.via])).toEqual([[asked, 'segment']]);
    });

    it('manual enrollment answers 409 with reason goal_already_met, and the API tells the other refusals apart', async () => {
      const programId = await createProgram(t, longWait('Handmatig', { goal: mqlGoal }));
      const hot = await createLead(t, 'handmatig-mql@example.be');
      await makeMql(hot);
      const res = await t.api('post', `/api/v1/programs/${programId}/enrollments`).send({ leadId: hot });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ status: 409, reason: 'goal_already_met' });
      expect(res.body.detail).toContain('goal');
      expect(await enrollmentsIn(programId)).toBe(0);
      expect(await skipsOf(programId)).toEqual([{ lead_id: hot, reason: 'goal_already_met', via: 'manual', attempts: 1 }]);

      const cold = await createLead(t, 'handmatig-lead@example.be');
      expect((await t.api('post', `/api/v1/programs/${programId}/enrollments`).send({ leadId: cold })).status).toBe(201);
      const again = await t.api('post', `/api/v1/programs/${programId}/enrollments`).send({ leadId: cold });
      expect(again.body).toMatchObject({ status: 409, reason: 'already_enrolled' });
    });

    it('bulk and segment enrollment enroll the others and report how many already met the goal', async () => {
      const programId = await createProgram(t, longWait('Bulk', { goal: mqlGoal }));
      const leads = [];
      for (const n of ['b1', 'b2', 'b3']) leads.push(await createLead(t, `${n}@bulk-doel.example.be`, { attributes: { batch: 'doel' } }));
      await makeMql(leads[0]);
      const bulk = await t.api('post', `/api/v1/programs/${programId}/enrollments`).send({ leadIds: leads.slice(0, 2) });
      expect(bulk.body).toEqual({ requested: 2, enrolled: 1, skipped: 1, goalAlreadyMet: 1, suppressed: 0 });

      const segmentProgram = await createProgram(t, longWait('Segment bulk', { goal: mqlGoal }));
      const segment = await t.api('post', `/api/v1/programs/${segmentProgram}/enrollments`).send({ segment: { where: { field: 'attributes.batch', op: 'equals', value: 'doel' } } });
      expect(segment.body).toEqual({ requested: null, enrolled: 2, skipped: null, goalAlreadyMet: 1, suppressed: 0 });
      expect((await skipsOf(segmentProgram)).map((s) => [s.lead_id, s.via])).toEqual([[leads[0], 'segment']]);
      expect((await statsOf(programId)).skipped).toEqual({ goal_already_met: 1 });
    });

    it('judges a score goal on the score as it stands now, decayed, as the program itself would', async () => {
      const programId = await createProgram(t, longWait('Score', { goal: { anyOf: [{ field: 'engagementScore', op: 'gte', value: 50 }] } }));
      const faded = await createLead(t, 'vervaagd@example.be');
      // 60 points two half-lives (30 days each) ago: 15 now.
      await t.db.query(`UPDATE leads SET engagement_score = 60, engagement_as_of = $2 WHERE id = $1`, [faded, new Date(clock.now().getTime() - 60 * DAY)]);
      const fresh = await createLead(t, 'vers@example.be');
      await t.db.query(`UPDATE leads SET engagement_score = 60, engagement_as_of = $2 WHERE id = $1`, [fresh, clock.now()]);
      expect((await t.api('post', `/api/v1/programs/${programId}/enrollments`).send({ leadId: faded })).status).toBe(201);
      expect((await t.api('post', `/api/v1/programs/${programId}/enrollments`).send({ leadId: fresh })).body.reason).toBe('goal_already_met');
    });

    it('a skipped lead that no longer meets the goal can enter later, also under a never-again policy', async () => {
      const programId = await createProgram(t, longWait('Later', { trigger: { type: 'event', eventType: 'webinar_attended' }, goal: mqlGoal }));
      const leadId = await createLead(t, 'later-terug@example.be');
      await makeMql(leadId);
      await sendEvent(t, { leadId, type: 'webinar_attended' });
      expect(await enrollmentOf(t, programId, leadId)).toBeUndefined();
      await t.db.query(`UPDATE leads SET stage = 'recycled' WHERE id = $1`, [leadId]); // sales sent it back to nurture
      await sendEvent(t, { leadId, type: 'webinar_attended' });
      expect(await enrollmentOf(t, programId, leadId)).toMatchObject({ status: 'active' });
    });

    it('the SQL of API enrollments and the check of triggers agree on who already meets a goal', async () => {
      const people = [
        { email: 'g1@agree.example.be', stage: 'mql', score: 10, ageDays: 0, attributes: { industry: 'food' }, events: [] as string[] },
        { email: 'g2@agree.example.be', stage: 'lead', score: 80, ageDays: 0, attributes: { industry: 'Bouw', employees: '12' }, events: ['quote_requested'] },
        { email: 'g3@agree.example.be', stage: 'recycled', score: 80, ageDays: 45, attributes: { industry: 'bouw' }, events: ['page_viewed'] },
        { email: 'g4@agree.example.be', stage: 'customer', score: 0, ageDays: 0, attributes: { employees: 3 }, events: ['meeting_booked'] },
      ];
      const ids: string[] = [];
      for (const person of people) {
        const id = await createLead(t, person.email, { attributes: person.attributes });
        await t.db.query(`UPDATE leads SET stage = $2, engagement_score = $3, engagement_as_of = $4 WHERE id = $1`, [
          id,
          person.stage,
          person.score,
          new Date(clock.now().getTime() - person.ageDays * DAY),
        ]);
        for (const type of person.events) {
          await t.db.query(`INSERT INTO events (lead_id, type, occurred_at, properties) VALUES ($1, $2, $3, '{}')`, [id, type, new Date(clock.now().getTime() - DAY)]);
        }
        ids.push(id);
      }
      const goals: Goal[] = [
        mqlGoal as Goal,
        { anyOf: [{ stageAtLeast: 'sql' }] },
        { allOf: [{ field: 'engagementScore', op: 'gte', value: 50 }, { field: 'attributes.industry', op: 'equals', value: 'bouw' }] },
        { anyOf: [{ event: { type: 'quote_requested', within: 'P7D' } }, { and: [{ event: { type: 'page_viewed' } }, { not: { field: 'stage', op: 'equals', value: 'lead' } }] }] },
        { anyOf: [{ field: 'attributes.employees', op: 'gte', value: 10 }, { event: 'meeting_booked' }] },
      ];
      const halfLifeDays = 30;
      for (const goal of goals) {
        const p = new SqlParams([ids]);
        const rows: { id: string; met: boolean }[] = await t.db.query(`SELECT l.id, ${goalOnEntrySql(goal, p, clock.now(), halfLifeDays)} AS met FROM leads l WHERE l.id = ANY($1::uuid[])`, p.values);
        const sql = ids.map((id) => rows.find((r) => r.id === id)!.met);
        const js = [];
        for (const id of ids) {
          const [row] = await t.db.query(`SELECT ${LEAD_SNAPSHOT_COLUMNS} FROM leads l WHERE l.id = $1`, [id]);
          const events: { type: string; at: Date }[] = await t.db.query(`SELECT type, max(occurred_at) AS at FROM events WHERE lead_id = $1 GROUP BY type`, [id]);
          const lead = leadSnapshotOf(row, scoreAt({ value: row.engagement_score, asOf: row.engagement_as_of }, clock.now(), halfLifeDays));
          const facts = { lead, now: clock.now(), lastEventAt: (type: string) => events.find((e) => e.type === type)?.at ?? null, interacted: () => false };
          js.push(goalMetOnEntry(goal, facts));
        }
        expect({ goal, sql }).toEqual({ goal, sql: js });
      }
    });

    it('the simulation of a lead that already meets the goal says it would not be enrolled', async () => {
      const programId = await createProgram(t, longWait('Simulatie', { goal: mqlGoal }));
      const res = await t.api('post', `/api/v1/programs/${programId}/simulate`).send({ version: 1, lead: { email: 'sim@example.be', stage: 'mql' } });
      expect(res.status).toBe(200);
      expect(res.body.outcome).toMatchObject({ status: 'skipped', exitReason: 'goal_already_met' });
      expect(res.body.emails).toBe(0);
    });
  });
});
