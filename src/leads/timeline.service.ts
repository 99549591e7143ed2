import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError } from '../common/domain-error.js';
import type { Page } from '../common/pagination.js';
import { SqlParams } from '../common/sql-params.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DEFAULT_TIMELINE_SORT, TIMELINE_ORDERS } from './dto/timeline.query.js';

export interface TimelineItem {
  kind: 'event' | 'stage_change' | 'consent' | 'email';
  id: string;
  at: string;
  data: Record<string, unknown>;
}

/**
 * What a timeline item of kind `email` says: a nurture email to the lead, at the moment it was queued, with where
 * it stands now (queued, sending, sent, failed, suppressed, held or cancelled, and why), its template, subject once
 * rendered, and the program step that sent it. Opens and clicks follow as their own `email_opened` /
 * `email_clicked` events.
 */
export const EMAIL_ITEM_SQL = (m: string) => `jsonb_build_object('status', ${m}.status, 'reason', ${m}.status_reason, 'templateId', ${m}.template_id,
  'templateVersion', ${m}.template_version, 'locale', ${m}.locale, 'subject', ${m}.subject, 'variant', ${m}.variant,
  'enrollmentId', ${m}.enrollment_id, 'stepId', ${m}.step_id, 'sentAt', ${m}.sent_at)`;

/**
 * What a timeline item of kind `event` says, for the event row `e`: its type, properties, whether a machine made it,
 * the points it earned and whether it was scored yet, when it was received, and whether it was historical then: it
 * occurred more than the live window (SQL parameter `window`, in seconds: EVENT_LIVE_WINDOW_HOURS) before it was
 * received, so it did not act as if it just happened (see EventFacts).
 */
export const EVENT_ITEM_SQL = (e: string, window: string) => `jsonb_build_object('type', ${e}.type, 'properties', ${e}.properties, 'machine', ${e}.machine,
  'points', (SELECT coalesce(sum(points), 0) FROM score_ledger s WHERE s.event_id = ${e}.id),
  'scored', NOT EXISTS (SELECT 1 FROM scoring_queue q WHERE q.event_id = ${e}.id),
  'receivedAt', ${e}.received_at, 'historical', ${e}.received_at - ${e}.occurred_at > make_interval(secs => ${window}))`;

/** A stage change's bigint id as text that sorts like the number (ids 9 and 10 at one instant stay in that order). */
export const STAGE_CHANGE_SORT_ID = (c: string) => `lpad(${c}.id::text, 20, '0')`;

/**
 * A lead's history in time order, oldest or newest first: events (with the points they earned, and whether they were
 * historical, see EVENT_ITEM_SQL), stage changes, consent, and the nurture emails sent (or held back) to it.
 */
@Injectable()
export class TimelineService {
  constructor(
    private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async forLead(leadId: string, limit: number, cursor?: string, askedSort?: string): Promise<Page<TimelineItem>> {
    const [exists] = await this.db.query(`SELECT 1 FROM leads WHERE id = $1`, [leadId]);
    if (!exists) throw DomainError.notFound('Lead', leadId);
    const { sort, after } = TIMELINE_ORDERS.read(cursor, askedSort, DEFAULT_TIMELINE_SORT);
    const p = new SqlParams([leadId, limit + 1]);
    const window = p.add(this.config.eventLiveWindowMs / 1000, '::float8');
    const order = TIMELINE_ORDERS.sql(sort, after, (v, cast) => p.add(v, cast));
    // Items at one instant and of one kind follow their ids; a stage change's numeric id is zero-padded to sort as a number.
    const rows: { kind: TimelineItem['kind']; id: string; sort_id: string; at: Date; data: Record<string, unknown> }[] = await this.db.query(
      `SELECT * FROM (
         SELECT 'event' AS kind, e.id::text AS id, e.id::text AS sort_id, e.occurred_at AS at, ${EVENT_ITEM_SQL('e', window)} AS data
           FROM events e WHERE e.lead_id = $1
         UNION ALL
         SELECT 'stage_change', c.id::text, ${STAGE_CHANGE_SORT_ID('c')}, c.changed_at,
                jsonb_build_object('from', c.from_stage, 'to', c.to_stage, 'actor', c.actor, 'reason', c.reason, 'eventId', c.event_id)
           FROM stage_changes c WHERE c.lead_id = $1
         UNION ALL
         SELECT 'consent', k.id::text, k.id::text, k.captured_at,
                jsonb_build_object('status', k.status, 'basis', k.basis, 'source', k.source, 'text', k.text)
           FROM consents k WHERE k.lead_id = $1
         UNION ALL
         SELECT 'email', m.id::text, m.id::text, m.created_at, ${EMAIL_ITEM_SQL('m')}
           FROM email_messages m WHERE m.lead_id = $1 AND m.kind = 'nurture'
       ) t
       ${order.after ? `WHERE ${order.after}` : ''}
       ORDER BY ${order.orderBy} LIMIT $2`,
      p.values,
    );
    const sortIds = new Map(rows.map((r) => [`${r.kind}:${r.id}`, r.sort_id]));
    const items = rows.map((r) => ({ kind: r.kind, id: r.id, at: r.at.toISOString(), data: r.data }));
    return TIMELINE_ORDERS.page(items, limit, sort, (i) => [i.at, i.kind, sortIds.get(`${i.kind}:${i.id}`)!]);
  }
}
