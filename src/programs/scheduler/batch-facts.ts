import type { EntityManager } from 'typeorm';
import { nurtureSendsSql } from '../../email/nurture-sends.js';
import type { DefinitionNeeds } from '../domain/definition-needs.js';
import { capSendTime } from '../domain/frequency-cap.js';
import type { ClaimedEnrollment } from './enrollment-claim.js';

/** What a claimed batch's steps may ask about, loaded in one round trip. */
export interface BatchFacts {
  /** Latest human event per lead and type. */
  lastEvent: Map<string, Map<string, Date>>;
  /** `enrollmentId|stepId|open|click` for human interactions with the enrollment's emails. */
  interactions: Set<string>;
  /** Nurture sends per lead that count under the frequency cap now (sent or held in the window, or not delivered yet), see capSendTime. */
  sends: Map<string, Date[]>;
}

export const interactionKey = (enrollmentId: string, stepId: string, kind: 'open' | 'click') => `${enrollmentId}|${stepId}|${kind}`;

/**
 * Loads, for the enrollments of one claim, only what their programs need: event history for the
 * types their conditions and goals test, clicks and opens of their emails (tracked interactions,
 * or `email_clicked`/`email_opened` events naming the enrollment), and each lead's recent sends.
 */
export async function loadBatchFacts(
  m: EntityManager,
  rows: ClaimedEnrollment[],
  needs: (row: ClaimedEnrollment) => DefinitionNeeds,
  now: Date,
  capWindowMs: number,
): Promise<BatchFacts> {
  const facts: BatchFacts = { lastEvent: new Map(), interactions: new Set(), sends: new Map() };
  const types = new Set<string>();
  const historyLeads = new Set<string>();
  const interactionEnrollments = new Set<string>();
  const interactionLeads = new Set<string>();
  const sendLeads = new Set<string>();
  for (const row of rows) {
    const n = needs(row);
    if (n.eventTypes.length) {
      n.eventTypes.forEach((t) => types.add(t));
      historyLeads.add(row.lead_id);
    }
    if (n.interactions) {
      interactionEnrollments.add(row.id);
      interactionLeads.add(row.lead_id);
    }
    if (n.email) sendLeads.add(row.lead_id);
  }
  const parts: string[] = [];
  const params: unknown[] = [];
  const add = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (types.size) {
    parts.push(`SELECT 'event' AS kind, lead_id::text AS a, type AS b, max(occurred_at) AS at FROM events
                 WHERE lead_id = ANY(${add([...historyLeads])}::uuid[]) AND type = ANY(${add([...types])}::text[])
                   AND NOT machine AND occurred_at <= ${add(now.toISOString())}::timestamptz GROUP BY lead_id, type`);
  }
  if (interactionEnrollments.size) {
    parts.push(`SELECT 'interaction' AS kind, m.enrollment_id::text AS a, m.step_id || '|' || i.kind AS b, max(i.occurred_at) AS at FROM email_messages m
                  JOIN email_interactions i ON i.message_id = m.id
                 WHERE m.enrollment_id = ANY(${add([...interactionEnrollments])}::uuid[]) AND NOT i.machine GROUP BY 2, 3`);
    parts.push(`SELECT 'interaction' AS kind, ev.properties->>'enrollmentId' AS a,
                       (ev.properties->>'stepId') || CASE ev.type WHEN 'email_clicked' THEN '|click' ELSE '|open' END AS b, max(ev.occurred_at) AS at FROM events ev
                 WHERE ev.lead_id = ANY(${add([...interactionLeads])}::uuid[]) AND ev.type IN ('email_clicked', 'email_opened')
                   AND NOT ev.machine AND ev.properties ? 'enrollmentId' AND ev.properties ? 'stepId' GROUP BY 2, 3`);
  }
  if (sendLeads.size) {
    const since = add(new Date(now.getTime() - capWindowMs).toISOString());
    parts.push(`SELECT 'send' AS kind, s.lead_id::text AS a, s.status AS b, s.known_at AS at FROM (${nurtureSendsSql(`${add([...sendLeads])}::uuid[]`, `${since}::timestamptz`)}) s`);
  }
  if (!parts.length) return facts;
  // Every part names its columns: a UNION takes its names from whichever part comes first, and which parts there are depends on the programs.
  const found: { kind: string; a: string; b: string | null; at: Date }[] = await m.query(parts.join(' UNION ALL '), params);
  for (const f of found) {
    if (f.kind === 'event') facts.lastEvent.set(f.a, (facts.lastEvent.get(f.a) ?? new Map()).set(f.b!, f.at));
    else if (f.kind === 'interaction') facts.interactions.add(`${f.a}|${f.b}`);
    else {
      const at = capSendTime(f.b!, f.at, now);
      if (at) facts.sends.set(f.a, [...(facts.sends.get(f.a) ?? []), at]);
    }
  }
  return facts;
}
