import { GRANTED } from './support/email-fixtures.js';
import type { TestApp } from './support/test-app.js';

/** Shared steps for the hand-off and webhook tests: the sales team, keys, leads, events and subscriptions. */

export async function createRep(t: TestApp, name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await t.api('post', '/api/v1/sales-reps').send({ name, email: `${name.toLowerCase()}@sales.example.be`, locales: ['nl'], ...extra });
  if (res.status !== 201) throw new Error(`rep ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

export async function apiKey(t: TestApp, name: string, role: 'sales' | 'marketer' | 'ingest'): Promise<string> {
  const res = await t.api('post', '/api/v1/api-keys').send({ name, role });
  if (res.status !== 201) throw new Error(`key ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.key;
}

export async function subscribe(t: TestApp, url: string, events: string[]): Promise<{ id: string; secret: string }> {
  const res = await t.api('post', '/api/v1/webhooks').send({ url, events, description: 'CRM intake' });
  if (res.status !== 201) throw new Error(`webhook: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.id, secret: res.body.secret };
}

export async function upsertLead(t: TestApp, email: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await t.api('post', '/api/v1/leads').send({ email, locale: 'nl', timezone: 'Europe/Brussels', consent: GRANTED, ...extra });
  if (res.status !== 201 && res.status !== 200) throw new Error(`lead: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

export async function sendEvents(t: TestApp, events: Record<string, unknown>[]): Promise<void> {
  const res = await t.api('post', '/api/v1/events').send({ events });
  if (res.status !== 202 || res.body.accepted !== events.length) throw new Error(`events: ${res.status} ${JSON.stringify(res.body)}`);
}

export interface HandoffRecord {
  id: string;
  lead_id: string;
  status: string;
  priority: string;
  owner_id: string | null;
  sla_due_at: Date;
  breached_at: Date | null;
  breach_count: number;
}

export async function handoffsOf(t: TestApp, leadId: string): Promise<HandoffRecord[]> {
  return t.db.query(`SELECT * FROM handoffs WHERE lead_id = $1 ORDER BY created_at`, [leadId]);
}

/** The lead's one hand-off, once the relay has created it. */
export async function handoffFor(t: TestApp, leadId: string): Promise<HandoffRecord | undefined> {
  return (await handoffsOf(t, leadId))[0];
}

/** True when every recorded domain event has been through the relay (except events it gave up on). */
export async function outboxDrained(t: TestApp): Promise<boolean> {
  const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL AND attempts < $1`, [t.config.outbox.maxAttempts]);
  return n === 0;
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
