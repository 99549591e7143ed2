import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { NurtureMailer } from '../../email/nurture-mailer.js';
import { LeadActivityHub } from '../../lifecycle/lead-activity.js';
import { recordDomainEvents, type DomainEventDraft } from '../../lifecycle/outbox.js';
import type { Stage } from '../../scoring/domain/lifecycle.js';
import type { Scalar } from '../domain/program-definition.js';
import type { RunResult, StepEffect } from '../domain/step-interpreter.js';
import type { ClaimedEnrollment } from './enrollment-claim.js';

/** One claimed enrollment and what the interpreter decided for it. */
export interface EnrollmentRun {
  row: ClaimedEnrollment;
  result: RunResult;
  engagementScore: number;
}

const LEAD_COLUMNS: Record<string, string> = {
  firstName: 'first_name',
  lastName: 'last_name',
  company: 'company',
  jobTitle: 'job_title',
  phone: 'phone',
  locale: 'locale',
  timezone: 'timezone',
};

type Effect<K extends StepEffect['kind']> = Extract<StepEffect, { kind: K }> & { run: EnrollmentRun };

/**
 * Writes the outcome of one claimed batch inside its transaction. Step runs go in first: a step
 * whose (enrollment, step, visit) row already exists was done before and its side effects are
 * skipped, so an email, a lead update or a hand-off request happens once per step visit. Returns
 * the ids of the emails queued, for dispatch after commit.
 */
@Injectable()
export class StepEffectsWriter {
  constructor(
    private readonly mailer: NurtureMailer,
    private readonly activity: LeadActivityHub,
  ) {}

  async apply(m: EntityManager, runs: EnrollmentRun[], now: Date): Promise<string[]> {
    const of = <K extends StepEffect['kind']>(kind: K): Effect<K>[] =>
      runs.flatMap((run) => run.result.effects.filter((e): e is Extract<StepEffect, { kind: K }> => e.kind === kind).map((e) => ({ ...e, run })));
    const fresh = await this.insertStepRuns(m, of('step_run'), now);
    const isFresh = (e: Effect<StepEffect['kind']>) => fresh.has(`${e.run.row.id}|${e.stepId}|${e.visit}`);
    const messageIds = await this.sendEmails(m, of('email').filter(isFresh));
    await this.updateLeads(m, of('update_lead').filter(isFresh), now);
    await this.requestHandoffs(m, of('handoff').filter(isFresh), now);
    await this.resolveWaits(m, of('resolve_wait'));
    await this.saveEnrollments(m, runs, now);
    return messageIds;
  }

  private async insertStepRuns(m: EntityManager, runs: Effect<'step_run'>[], now: Date): Promise<Set<string>> {
    if (!runs.length) return new Set();
    const inserted: { enrollment_id: string; step_id: string; visit: number }[] = await m.query(
      `INSERT INTO step_runs (enrollment_id, step_id, visit, outcome, detail, ran_at)
       SELECT *, $5::timestamptz FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $6::jsonb[])
       ON CONFLICT (enrollment_id, step_id, visit) DO NOTHING
       RETURNING enrollment_id, step_id, visit`,
      [
        runs.map((r) => r.run.row.id),
        runs.map((r) => r.stepId),
        runs.map((r) => r.visit),
        runs.map((r) => r.outcome),
        now.toISOString(),
        runs.map((r) => JSON.stringify(r.detail)),
      ],
    );
    return new Set(inserted.map((r) => `${r.enrollment_id}|${r.step_id}|${r.visit}`));
  }

  private async sendEmails(m: EntityManager, emails: Effect<'email'>[]): Promise<string[]> {
    const ids: string[] = [];
    for (const e of emails) {
      const outcome = await this.mailer.enqueue(m, {
        idempotencyKey: `enrollment:${e.run.row.id}:step:${e.stepId}:visit:${e.visit}`,
        leadId: e.run.row.lead_id,
        templateId: e.templateId,
        enrollmentId: e.run.row.id,
        stepId: e.stepId,
        variant: e.variant,
        subjectOverride: e.subject,
      });
      if (outcome.status === 'queued') ids.push(outcome.messageId);
      if (outcome.status === 'suppressed') {
        // The mailer's own last check found the lead suppressed: the enrollment ends here.
        Object.assign(e.run.result, { status: 'exited', exitReason: outcome.reason ?? 'suppressed', nextRunAt: null });
      }
    }
    return ids;
  }

  private async updateLeads(m: EntityManager, updates: Effect<'update_lead'>[], now: Date): Promise<void> {
    if (!updates.length) return;
    const byLead = new Map<string, { run: EnrollmentRun; set: Record<string, Scalar> }>();
    for (const u of updates) {
      const id = u.run.row.lead_id;
      byLead.set(id, { run: u.run, set: { ...byLead.get(id)?.set, ...u.set } });
    }
    const leads = [...byLead.entries()];
    const split = (set: Record<string, Scalar>, prefix: string) =>
      JSON.stringify(Object.fromEntries(Object.entries(set).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v])));
    const columns = Object.entries(LEAD_COLUMNS)
      .map(([field, column]) => `${column} = CASE WHEN u.cols ? '${field}' THEN u.cols->>'${field}' ELSE l.${column} END`)
      .join(', ');
    await m.query(
      `UPDATE leads l SET ${columns}, attributes = l.attributes || u.attrs, qualification = l.qualification || u.qual, updated_at = $5
         FROM unnest($1::uuid[], $2::jsonb[], $3::jsonb[], $4::jsonb[]) AS u(id, cols, attrs, qual)
        WHERE l.id = u.id`,
      [
        leads.map(([id]) => id),
        leads.map(([, { set }]) => JSON.stringify(Object.fromEntries(Object.entries(set).filter(([k]) => !k.includes('.'))))),
        leads.map(([, { set }]) => split(set, 'attributes.')),
        leads.map(([, { set }]) => split(set, 'qualification.')),
        now.toISOString(),
      ],
    );
    // The lead changed: segment triggers and goals of other programs may now match.
    await this.activity.publish(
      m,
      leads.map(([id, { run }]) => ({
        leadId: id,
        at: now,
        created: false,
        stageBefore: run.row.stage as Stage,
        stageAfter: run.row.stage as Stage,
        events: [],
        engagementScore: run.engagementScore,
      })),
    );
  }

  private async requestHandoffs(m: EntityManager, handoffs: Effect<'handoff'>[], now: Date): Promise<void> {
    const events: DomainEventDraft[] = handoffs.map((h) => ({
      type: 'handoff.requested',
      leadId: h.run.row.lead_id,
      payload: {
        leadId: h.run.row.lead_id,
        programId: h.run.row.program_id,
        programVersion: h.run.row.program_version,
        enrollmentId: h.run.row.id,
        stepId: h.stepId,
        priority: h.priority,
      },
      occurredAt: now,
    }));
    await recordDomainEvents(m, events);
  }

  private async resolveWaits(m: EntityManager, waits: Effect<'resolve_wait'>[]): Promise<void> {
    if (!waits.length) return;
    await m.query(
      `UPDATE step_runs s SET outcome = u.outcome FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[]) AS u(enrollment_id, step_id, visit, outcome)
        WHERE s.enrollment_id = u.enrollment_id AND s.step_id = u.step_id AND s.visit = u.visit`,
      [waits.map((w) => w.run.row.id), waits.map((w) => w.stepId), waits.map((w) => w.visit), waits.map((w) => w.outcome)],
    );
  }

  private async saveEnrollments(m: EntityManager, runs: EnrollmentRun[], now: Date): Promise<void> {
    const ended = (r: RunResult) => r.status !== 'active';
    await m.query(
      `UPDATE enrollments e SET status = u.status, exit_reason = u.exit_reason, current_step_id = u.step_id,
              step_visit = coalesce((u.visits->>u.step_id)::int, 1), visits = u.visits, waiting_for = u.waiting_for,
              variants = u.variants, next_run_at = u.next_run_at, finished_at = u.finished_at, updated_at = $10
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::jsonb[], $7::jsonb[], $8::timestamptz[], $9::timestamptz[])
           AS u(id, status, exit_reason, step_id, visits, waiting_for, variants, next_run_at, finished_at)
        WHERE e.id = u.id`,
      [
        runs.map((r) => r.row.id),
        runs.map((r) => r.result.status),
        runs.map((r) => r.result.exitReason),
        runs.map((r) => r.result.cursor.stepId),
        runs.map((r) => JSON.stringify(r.result.cursor.visits)),
        runs.map((r) => (r.result.cursor.waitingFor ? JSON.stringify(r.result.cursor.waitingFor) : null)),
        runs.map((r) => JSON.stringify(r.result.cursor.variants)),
        runs.map((r) => r.result.nextRunAt?.toISOString() ?? null),
        runs.map((r) => (ended(r.result) ? now.toISOString() : null)),
        now.toISOString(),
      ],
    );
  }
}
