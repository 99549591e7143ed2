import { createLead, createProgram, createTemplate, programsWorld } from './programs-helpers.js';
import { eventually } from './support/test-app.js';

/** A/B results in a program's stats: per-variant counts and rates, and the comparison with variant A. */
describe('A/B variant results in program stats', () => {
  const t = programsWorld();
  const { clock } = t; // Monday 10:00 in Brussels, inside the send window

  it('reports each variant with its rates and whether its difference from A is significant', async () => {
    const template = await createTemplate(t, 'ab-test');
    const id = await createProgram(t, {
      name: 'Onderwerp-test',
      trigger: { type: 'manual' },
      steps: [
        {
          id: 'mail',
          type: 'email',
          templateId: template,
          variants: [
            { subject: 'Uw vraag, {{fallback firstName "daar"}}', weight: 50 },
            { subject: 'Een voorstel voor u', weight: 50 },
          ],
          next: 'end',
        },
        { id: 'end', type: 'exit' },
      ],
    });
    // 120 leads, 20 requests at a time (one by one is slow on a loaded machine).
    const leads: string[] = [];
    for (let i = 0; i < 120; i += 20) {
      leads.push(...(await Promise.all(Array.from({ length: 20 }, (_, j) => createLead(t, `ab${i + j}@variant.example.be`)))));
    }
    const enrolled = await t.api('post', `/api/v1/programs/${id}/enrollments`).send({ leadIds: leads });
    expect(enrolled.body.enrolled).toBe(120);
    await eventually(async () => {
      const [{ n }] = await t.db.query(
        `SELECT count(*)::int AS n FROM email_messages m JOIN enrollments e ON e.id = m.enrollment_id WHERE e.program_id = $1 AND m.status = 'sent'`,
        [id],
      );
      return n === 120;
    }, 60_000);
    // Everyone who got B clicks; of A, only the first three do (and one machine click that must not count).
    const messages: { id: string; lead_id: string; variant: string; subject: string }[] = await t.db.query(
      `SELECT m.id, m.lead_id, m.variant, m.subject FROM email_messages m JOIN enrollments e ON e.id = m.enrollment_id
        WHERE e.program_id = $1 ORDER BY m.id`,
      [id],
    );
    const a = messages.filter((m) => m.variant === 'A');
    const b = messages.filter((m) => m.variant === 'B');
    expect(a.length + b.length).toBe(120);
    expect(b.every((m) => m.subject === 'Een voorstel voor u')).toBe(true);
    expect(a.every((m) => m.subject.startsWith('Uw vraag, '))).toBe(true);
    const clicked = [...a.slice(0, 3), ...b];
    await t.db.query(
      `INSERT INTO email_interactions (message_id, lead_id, kind, machine, reason, occurred_at)
       SELECT id, lead_id, 'click', false, 'test', $2 FROM email_messages WHERE id = ANY($1::uuid[])`,
      [clicked.map((m) => m.id), clock.now()],
    );
    await t.db.query(
      `INSERT INTO email_interactions (message_id, lead_id, kind, machine, reason, occurred_at) VALUES ($1, $2, 'click', true, 'scanner', $3)`,
      [a[5].id, a[5].lead_id, clock.now()],
    );

    const { body } = await t.api('get', `/api/v1/programs/${id}/stats`);
    const step = body.steps.find((s: { stepId: string }) => s.stepId === 'mail');
    expect(step).toMatchObject({ sent: 120, clicks: 3 + b.length });
    expect(step.variants).toHaveLength(2);
    const [va, vb] = step.variants;
    expect(va).toMatchObject({ variant: 'A', templateId: template, weight: 50, sent: a.length, delivered: a.length, clicks: 3, vsControl: null });
    expect(va.clickRate).toBeCloseTo(3 / a.length, 4);
    expect(vb).toMatchObject({ variant: 'B', subject: 'Een voorstel voor u', sent: b.length, clicks: b.length, clickRate: 1 });
    expect(vb.vsControl.clicks.differencePoints).toBeCloseTo((1 - 3 / a.length) * 100, 2);
    expect(vb.vsControl.clicks.pValue).toBeLessThan(0.001);
    expect(vb.vsControl.clicks.significant).toBe(a.length >= 30 && b.length >= 30);
    expect(vb.vsControl.opens).toMatchObject({ differencePoints: 0, z: null, significant: false });
  }, 120_000);
});
