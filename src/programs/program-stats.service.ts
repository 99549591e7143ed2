import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError } from '../common/domain-error.js';
import { compareProportions, rate, type ProportionComparison } from './domain/ab-test.js';
import type { ProgramDefinition } from './domain/program-definition.js';

export interface StepStats {
  stepId: string;
  type: string | null;
  /** Step runs: how many times leads went through this step. */
  entered: number;
  /** Emails handed to delivery (queued, sending or sent). */
  sent: number;
  /** Emails the relay accepted, minus hard bounces. */
  delivered: number;
  /** Emails opened by a person (machine opens such as Apple Mail Privacy Protection excluded), counted once per email. */
  humanOpens: number;
  /** Emails with at least one human click. */
  clicks: number;
  /** Leads who unsubscribed through this step's email. */
  unsubscribes: number;
  /** Enrollments that reached the goal while on this step. */
  goalReached: number;
  /** Enrollments that left while on this step, by reason. */
  exited: Record<string, number>;
  /** A/B email steps only: each variant's numbers, compared with variant A (the control). */
  variants?: VariantStats[];
}

/** One A/B variant of an email step. Rates are over delivered messages (sent when none is delivered yet). */
export interface VariantStats {
  variant: string;
  templateId: string | null;
  subject: string | null;
  weight: number;
  sent: number;
  delivered: number;
  humanOpens: number;
  clicks: number;
  openRate: number;
  clickRate: number;
  /** Against variant A; null for A itself. Two-sided two-proportion z-test at 95 %. */
  vsControl: { opens: ProportionComparison; clicks: ProportionComparison } | null;
}

export interface ProgramStats {
  programId: string;
  enrollments: { total: number; active: number; completed: number; converted: number; exited: number };
  /** Leads the program did not take although a trigger or the API asked for them, per reason (SKIP_REASONS). */
  skipped: Record<string, number>;
  steps: StepStats[];
}

/** Funnel numbers per step, straight from step runs, messages, interactions and enrollments. */
@Injectable()
export class ProgramStatsService {
  constructor(private readonly db: DataSource) {}

  async stats(programId: string): Promise<ProgramStats> {
    const [program]: { draft: ProgramDefinition; definition: ProgramDefinition | null }[] = await this.db.query(
      `SELECT p.draft, v.definition FROM programs p LEFT JOIN program_versions v ON v.program_id = p.id AND v.version = p.current_version
        WHERE p.id = $1`,
      [programId],
    );
    if (!program) throw DomainError.notFound('Program', programId);
    const [runs, messages, unsubscribes, enrollments, skips] = await Promise.all([
      this.db.query(
        `SELECT r.step_id, count(*)::int AS n FROM step_runs r JOIN enrollments e ON e.id = r.enrollment_id
          WHERE e.program_id = $1 GROUP BY r.step_id`,
        [programId],
      ) as Promise<{ step_id: string; n: number }[]>,
      this.db.query(
        `SELECT m.step_id, m.variant,
                count(*) FILTER (WHERE m.status IN ('queued', 'sending', 'sent'))::int AS sent,
                count(*) FILTER (WHERE m.status = 'sent'
                  AND NOT EXISTS (SELECT 1 FROM email_bounces b WHERE b.message_id = m.id AND b.type = 'hard'))::int AS delivered,
                count(*) FILTER (WHERE EXISTS (SELECT 1 FROM email_interactions i WHERE i.message_id = m.id AND i.kind = 'open' AND NOT i.machine))::int AS opens,
                count(*) FILTER (WHERE EXISTS (SELECT 1 FROM email_interactions i WHERE i.message_id = m.id AND i.kind = 'click' AND NOT i.machine))::int AS clicks
           FROM email_messages m JOIN enrollments e ON e.id = m.enrollment_id
          WHERE e.program_id = $1 GROUP BY m.step_id, m.variant`,
        [programId],
      ) as Promise<{ step_id: string; variant: string | null; sent: number; delivered: number; opens: number; clicks: number }[]>,
      this.db.query(
        `SELECT ev.properties->>'stepId' AS step_id, count(DISTINCT ev.lead_id)::int AS n
           FROM enrollments e JOIN events ev ON ev.lead_id = e.lead_id AND ev.type = 'unsubscribed' AND ev.properties->>'enrollmentId' = e.id::text
          WHERE e.program_id = $1 GROUP BY 1`,
        [programId],
      ) as Promise<{ step_id: string | null; n: number }[]>,
      this.db.query(
        `SELECT current_step_id AS step_id, status, exit_reason, count(*)::int AS n FROM enrollments WHERE program_id = $1 GROUP BY 1, 2, 3`,
        [programId],
      ) as Promise<{ step_id: string; status: string; exit_reason: string | null; n: number }[]>,
      this.db.query(`SELECT reason, count(*)::int AS n FROM enrollment_skips WHERE program_id = $1 GROUP BY reason`, [programId]) as Promise<
        { reason: string; n: number }[]
      >,
    ]);

    const definition = program.definition ?? program.draft;
    const types = new Map(definition.steps.map((s) => [s.id, s.type as string]));
    const steps = new Map<string, StepStats>();
    const step = (id: string): StepStats => {
      let s = steps.get(id);
      if (!s) {
        s = { stepId: id, type: types.get(id) ?? null, entered: 0, sent: 0, delivered: 0, humanOpens: 0, clicks: 0, unsubscribes: 0, goalReached: 0, exited: {} };
        steps.set(id, s);
      }
      return s;
    };
    definition.steps.forEach((s) => step(s.id));
    for (const r of runs) step(r.step_id).entered = r.n;
    for (const m of messages) {
      const s = step(m.step_id);
      s.sent += m.sent;
      s.delivered += m.delivered;
      s.humanOpens += m.opens;
      s.clicks += m.clicks;
    }
    for (const def of definition.steps) {
      if (def.type === 'email' && def.variants?.length) step(def.id).variants = variantStats(def.templateId, def.variants, messages.filter((m) => m.step_id === def.id));
    }
    for (const u of unsubscribes) if (u.step_id) step(u.step_id).unsubscribes = u.n;
    const totals = { total: 0, active: 0, completed: 0, converted: 0, exited: 0 };
    for (const e of enrollments) {
      totals.total += e.n;
      totals[e.status as 'active' | 'completed' | 'converted' | 'exited'] += e.n;
      if (e.status === 'converted') step(e.step_id).goalReached += e.n;
      if (e.status === 'exited') {
        const s = step(e.step_id);
        const reason = e.exit_reason ?? 'unknown';
        s.exited[reason] = (s.exited[reason] ?? 0) + e.n;
      }
    }
    const skipped = Object.fromEntries(skips.map((r) => [r.reason, r.n]));
    return { programId, enrollments: totals, skipped, steps: [...steps.values()] };
  }
}

type VariantCounts = { variant: string | null; sent: number; delivered: number; opens: number; clicks: number };

/** Per-variant numbers for one A/B step, in the order the step defines its variants (A, B, C…). */
export function variantStats(
  stepTemplateId: string,
  defined: readonly { templateId?: string; subject?: string; weight: number }[],
  counts: readonly VariantCounts[],
): VariantStats[] {
  const rows = defined.map((v, i) => {
    const label = String.fromCharCode(65 + i);
    const c = counts.find((x) => x.variant === label) ?? { sent: 0, delivered: 0, opens: 0, clicks: 0 };
    const trials = c.delivered > 0 ? c.delivered : c.sent;
    return {
      label,
      v,
      c,
      opens: { successes: Math.min(c.opens, trials), trials },
      clicks: { successes: Math.min(c.clicks, trials), trials },
    };
  });
  const control = rows[0];
  return rows.map((r, i) => ({
    variant: r.label,
    templateId: r.v.templateId ?? stepTemplateId,
    subject: r.v.subject ?? null,
    weight: r.v.weight,
    sent: r.c.sent,
    delivered: r.c.delivered,
    humanOpens: r.c.opens,
    clicks: r.c.clicks,
    openRate: round4(rate(r.opens)),
    clickRate: round4(rate(r.clicks)),
    vsControl: i === 0 ? null : { opens: compareProportions(control.opens, r.opens), clicks: compareProportions(control.clicks, r.clicks) },
  }));
}

function round4(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}
