import type { INestApplicationContext } from '@nestjs/common';
import { ManualClock } from '../src/common/clock.js';
import type { ProcessRole } from '../src/config/app-config.js';
import { GRANTED } from './support/email-fixtures.js';
import { startTestApp, startTestWorker, type TestApp } from './support/test-app.js';

/** Shared steps for the program tests: the app they run against, templates, programs, leads, events and what the database holds. */

/** Monday 2 March 2026, 10:00 in Brussels: inside the default send window. Program tests start their clock here. */
export const MONDAY_MORNING = '2026-03-02T09:00:00Z';

export interface ProgramsWorldOptions {
  /** Templates made before the tests, by key: a name (locale nl), or a name and its locales. */
  templates?: Record<string, string | { name: string; locales: string[] }>;
  role?: ProcessRole;
  /** Added to the default PROGRAMS_TICK_MS=50 (a scheduler tick every 50 ms). */
  env?: Record<string, string>;
  /** Worker processes started beside the app (for an API-only app), on the same clock. */
  workers?: number;
  /** Set the clock back to MONDAY_MORNING before each test (else a test starts where the one before left it). */
  resetClock?: boolean;
}

/** The app a file of program tests runs against (it is a TestApp), its manual clock, its templates and workers. */
export interface ProgramsWorld extends TestApp {
  readonly clock: ManualClock;
  /** Template ids by the keys of ProgramsWorldOptions.templates (filled in before the tests run). */
  readonly templates: Record<string, string>;
  readonly workers: INestApplicationContext[];
}

/**
 * The world of the enclosing `describe`'s program tests: the application on a database of its own and a
 * manual clock starting at MONDAY_MORNING, the templates asked for and any workers, made before the tests
 * (before the block's own `beforeAll` hooks, registered after this call) and closed after them. Use the
 * TestApp parts inside hooks and tests; `clock` and `templates` may be held at once.
 */
export function programsWorld(options: ProgramsWorldOptions = {}): ProgramsWorld {
  const clock = new ManualClock(MONDAY_MORNING);
  const templates: Record<string, string> = {};
  const workers: INestApplicationContext[] = [];
  let made: TestApp | undefined;
  beforeAll(async () => {
    made = await startTestApp({ clock, role: options.role, env: { PROGRAMS_TICK_MS: '50', ...options.env } });
    for (let i = 0; i < (options.workers ?? 0); i++) workers.push(await startTestWorker(made, clock));
    for (const [key, spec] of Object.entries(options.templates ?? {})) {
      templates[key] = typeof spec === 'string' ? await createTemplate(made, spec) : await createTemplate(made, spec.name, spec.locales);
    }
  });
  afterAll(async () => {
    for (const worker of workers) await worker.close();
    await made?.close();
  });
  if (options.resetClock) beforeEach(() => clock.set(MONDAY_MORNING));
  const app = () => {
    if (!made) throw new Error('the programs world is made in beforeAll: use it inside hooks and tests');
    return made;
  };
  return {
    clock,
    templates,
    workers,
    get app() {
      return app().app;
    },
    get config() {
      return app().config;
    },
    get db() {
      return app().db;
    },
    get database() {
      return app().database;
    },
    http: () => app().http(),
    api: (method, path, key) => app().api(method, path, key),
    close: () => app().close(),
  };
}

/** Steps of a program that sends one email (step `welcome`) and ends. */
export function oneEmailSteps(templateId: string): Record<string, unknown>[] {
  return [
    { id: 'welcome', type: 'email', templateId, next: 'end' },
    { id: 'end', type: 'exit' },
  ];
}

/** Steps of a program that mails (step `welcome`), waits three days (`wait1`), mails again (`reminder`) and ends. */
export function twoEmailSteps(welcomeId: string, reminderId: string): Record<string, unknown>[] {
  return [
    { id: 'welcome', type: 'email', templateId: welcomeId, next: 'wait1' },
    { id: 'wait1', type: 'wait', duration: 'P3D', next: 'reminder' },
    { id: 'reminder', type: 'email', templateId: reminderId, next: 'end' },
    { id: 'end', type: 'exit' },
  ];
}

/** Steps of a program that waits (step `id`, `pause` unless told) and ends: enrolled leads stay active meanwhile. */
export function oneWaitSteps(duration: string, id = 'pause'): Record<string, unknown>[] {
  return [
    { id, type: 'wait', duration, next: 'end' },
    { id: 'end', type: 'exit' },
  ];
}

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

/**
 * `n` leads with consent granted, written straight to the database (the API takes one at a time): addresses
 * `<prefix><i>@example.be`, created at `at`. Returns their ids in order.
 */
export async function insertLeads(t: TestApp, prefix: string, n: number, at: Date): Promise<string[]> {
  const rows: { id: string }[] = await t.db.query(
    `INSERT INTO leads (email, email_normalized, consent_status, timezone, created_at, updated_at, engagement_as_of)
     SELECT $2 || i || '@example.be', $2 || i || '@example.be', 'granted', 'Europe/Brussels', $1, $1, $1 FROM generate_series(1, $3) i
     ORDER BY i RETURNING id`,
    [at.toISOString(), prefix, n],
  );
  return rows.map((r) => r.id);
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
