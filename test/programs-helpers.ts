import { GRANTED } from './support/email-fixtures.js';
import type { TestApp } from './support/test-app.js';

/** Shared steps for the program tests: templates, programs, leads, events and what the database holds. */

const BODY = (text: string) => `<mj-section><mj-column><mj-text>${text}, {{fallback firstName "daar"}}</mj-text></mj-column></mj-section>`;

export async function createTemplate(t: TestApp, name: string, locales = ['nl']): Promise<string> {
  const variants = Object.fromEntries(locales.map((l) => [l, { subject: `${name} (${l})`, mjml: BODY(name) }]));
  const res = await t.api('post', '/api/v1/templates').send({ name, variants });
  if (res.status !== 201) throw new Error(`template ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

export async function createProgram(t: TestApp, definition: Record<string, unknown>, publish = true): Promise<string> {
  const res = await t.api('post', '/api/v1/programs').send(definition);
  if (res.status !== 201) throw new Error(`program: ${res.status} ${JSON.stringify(res.body)}`);
  if (publish) {
    const published = await t.api('post', `/api/v1/programs/${res.body.id}/publish`);
    if (published.status !== 200) throw new Error(`publish: ${published.status} ${JSON.stringify(published.body)}`);
  }
  return res.body.id;
}

export async function createLead(t: TestApp, email: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await t.api('post', '/api/v1/leads').send({ email, timezone: 'Europe/Brussels', locale: 'nl', consent: GRANTED, ...extra });
  if (res.status !== 201 && res.status !== 200) throw new Error(`lead: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

export async function enroll(t: TestApp, programId: string, leadId: string): Promise<string> {
  const res = await t.api('post', `/api/v1/programs/${programId}/enrollments`).send({ leadId });
  if (res.status !== 201) throw new Error(`enroll: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

export async function sendEvent(t: TestApp, event: Record<string, unknown>): Promise<void> {
  const res = await t.api('post', '/api/v1/events').send(event);
  if (res.status !== 202 || res.body.accepted !== 1) throw new Error(`event: ${res.status} ${JSON.stringify(res.body)}`);
}

export interface EnrollmentState {
  id: string;
  status: string;
  exit_reason: string | null;
  current_step_id: string;
  program_version: number;
  next_run_at: Date | null;
  waiting_for: Record<string, unknown> | null;
}

export async function enrollmentOf(t: TestApp, programId: string, leadId: string): Promise<EnrollmentState | undefined> {
  const [row] = await t.db.query(`SELECT * FROM enrollments WHERE program_id = $1 AND lead_id = $2 ORDER BY enrolled_at DESC LIMIT 1`, [
    programId,
    leadId,
  ]);
  return row;
}

/** The steps an enrollment ran, in order, as `stepId:outcome`. */
export async function stepsRun(t: TestApp, enrollmentId: string): Promise<string[]> {
  const rows: { step_id: string; outcome: string }[] = await t.db.query(
    `SELECT step_id, outcome FROM step_runs WHERE enrollment_id = $1 ORDER BY id`,
    [enrollmentId],
  );
  return rows.map((r) => `${r.step_id}:${r.outcome}`);
}

/** The steps whose emails were queued for an enrollment, in order. */
export async function emailsOf(t: TestApp, enrollmentId: string): Promise<string[]> {
  const rows: { step_id: string }[] = await t.db.query(`SELECT step_id FROM email_messages WHERE enrollment_id = $1 ORDER BY created_at, step_id`, [
    enrollmentId,
  ]);
  return rows.map((r) => r.step_id);
}

export const DAY = 86_400_000;
