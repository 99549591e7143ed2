import { epochMsSql } from '../infra/database/epoch-ms.js';
import { HONEYPOT_LINK_INDEX } from './domain/honeypot.js';
import type { Verdict } from './domain/machine-signals.js';
import type { TrackingHit } from './domain/tracking-hit.js';

/**
 * The statements that store a batch of opens and clicks (see HitRecorder). Each travels as one JSON
 * parameter and comes back as JSON: PostgreSQL parses a JSON array of records more cheaply than a dozen
 * arrays, and this process builds and reads JSON natively instead of escaping every array element and
 * parsing every row.
 */

/**
 * What classifying the clicks of a batch needs, in one round trip: the clicked messages' sent times
 * (`sent`: id → ms since the epoch, null when not marked sent; a missing message is absent) and the stored
 * clicks that can change a verdict (`prior`): on the clicked messages within the burst range ($2..$3), their
 * honeypot clicks within the honeypot-peer range ($4..$5, read through a partial index), and every click on
 * the messages whose honeypot this batch clicked ($6) within that range. $1 the clicked message ids.
 * Reading every click of the messages within the wider range instead cost a third of PostgreSQL's time per
 * click on often-clicked messages.
 */
export const CLICK_CONTEXT_SQL = `
  SELECT (SELECT json_object_agg(id, ${epochMsSql('sent_at')}) FROM email_messages WHERE id = ANY($1::uuid[])) AS sent,
         (SELECT json_agg(json_build_object('id', id, 'm', message_id, 'x', link_index, 'ip', ip, 't', ${epochMsSql('occurred_at')}, 'mc', machine))
            FROM (SELECT id, message_id, link_index, ip, occurred_at, machine FROM email_interactions
                   WHERE message_id = ANY($1::uuid[]) AND kind = 'click' AND occurred_at BETWEEN $2 AND $3
                  UNION
                  SELECT id, message_id, link_index, ip, occurred_at, machine FROM email_interactions
                   WHERE message_id = ANY($1::uuid[]) AND kind = 'click' AND link_index = ${HONEYPOT_LINK_INDEX} AND occurred_at BETWEEN $4 AND $5
                  UNION
                  SELECT id, message_id, link_index, ip, occurred_at, machine FROM email_interactions
                   WHERE message_id = ANY($6::uuid[]) AND kind = 'click' AND occurred_at BETWEEN $4 AND $5) c) AS prior`;

/**
 * Stores judged hits ($1, from {@link hitsJson}) in one statement: each hit's message is read here (a hit
 * whose message no longer exists, or whose lead was erased, stores nothing), the interaction is stored with the message's lead, and —
 * for a nurture message of a known lead — a behaviour event (`email_opened` / `email_clicked`, properties
 * naming the message, template, step and enrollment, the link for clicks, and the machine reason for a
 * machine's) with the same id; human events go on the scoring queue. A hit stored before (same id) is
 * skipped, with its event. $2 is when the events were received. Returns how many interactions were new.
 */
export const STORE_SQL = `
  WITH h AS (
    SELECT h.id, msg.id AS message_id, msg.lead_id, h.k, h.x, h.u, h.mc, h.r, h.a, h.ip, h.t,
           CASE WHEN msg.kind = 'nurture' AND msg.lead_id IS NOT NULL THEN
             jsonb_build_object('messageId', msg.id, 'templateId', msg.template_id, 'stepId', msg.step_id, 'enrollmentId', msg.enrollment_id)
             || CASE WHEN h.k = 'click' THEN jsonb_build_object('linkIndex', h.x, 'url', h.u) ELSE '{}'::jsonb END
             || CASE WHEN h.mc THEN jsonb_build_object('machineReason', h.r) ELSE '{}'::jsonb END
           END AS properties
      FROM json_to_recordset($1::json) AS h(id uuid, m uuid, k text, x int, u text, mc bool, r text, a text, ip text, t timestamptz)
      JOIN email_messages msg ON msg.id = h.m
     -- an erased lead's old emails record nothing (no address, user agent or link of theirs is kept again)
     WHERE NOT EXISTS (SELECT 1 FROM leads l WHERE l.id = msg.lead_id AND l.erased_at IS NOT NULL)
  ), i AS (
    INSERT INTO email_interactions (id, message_id, lead_id, kind, link_index, url, machine, reason, user_agent, ip, occurred_at)
    SELECT id, message_id, lead_id, k, x, u, mc, r, a, ip, t FROM h
    ON CONFLICT (id) DO NOTHING
    RETURNING id
  ), e AS (
    INSERT INTO events (id, lead_id, type, occurred_at, properties, machine, received_at)
    SELECT h.id, h.lead_id, CASE h.k WHEN 'open' THEN 'email_opened' ELSE 'email_clicked' END, h.t, h.properties, h.mc, $2
      FROM h JOIN i ON i.id = h.id
     WHERE h.properties IS NOT NULL
    ON CONFLICT (id) DO NOTHING
    RETURNING id, lead_id, machine
  ), q AS (
    INSERT INTO scoring_queue (event_id, lead_id) SELECT id, lead_id FROM e WHERE NOT machine
  )
  SELECT (SELECT count(*) FROM i)::int AS stored`;

/** The judged hits as {@link STORE_SQL} reads them: one JSON array, one record per hit. */
export function hitsJson(hits: readonly TrackingHit[], verdicts: readonly Verdict[]): string {
  return JSON.stringify(
    hits.map((h, i) => ({
      id: h.id,
      m: h.messageId,
      k: h.kind,
      x: h.linkIndex,
      u: h.url,
      mc: verdicts[i].machine,
      r: verdicts[i].reason,
      a: h.userAgent,
      ip: h.ip,
      t: new Date(h.at).toISOString(),
    })),
  );
}
