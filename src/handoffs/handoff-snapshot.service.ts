import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { LeadRow } from '../leads/lead.types.js';
import { EMAIL_ITEM_SQL, EVENT_ITEM_SQL, STAGE_CHANGE_SORT_ID } from '../leads/timeline.service.js';
import { currentPoints, evaluateMqlRule, scoreAt } from '../scoring/domain/index.js';
import { ScoringModelService } from '../scoring/scoring-model.service.js';
import type { HandoffSnapshot } from './handoff.types.js';
import { leadContactOf } from '../leads/lead-contact.js';

/** How many score contributions and timeline items a hand-off carries. */
export const SNAPSHOT_REASONS = 5;
export const SNAPSHOT_TIMELINE_ITEMS = 10;

const round = (n: number) => Math.round(n * 100) / 100;

interface ReasonRow {
  lead_id: string;
  description: string;
  event_id: string | null;
  points: number;
  occurred_at: Date;
}

interface TimelineRow {
  lead_id: string;
  kind: string;
  at: Date;
  data: Record<string, unknown>;
}

/**
 * The strongest score contributions per lead, as GET /leads/{id}/score ranks them: decay shrinks every row
 * by the same factor at one instant, so ordering by points·2^(t/h) ranks by current weight.
 */
const REASONS_SQL = `
  SELECT x.lead_id, r.description, r.event_id, r.points, r.occurred_at
    FROM unnest($1::uuid[]) AS x(lead_id)
    CROSS JOIN LATERAL (
      SELECT s.description, s.event_id, s.points, s.occurred_at FROM score_ledger s WHERE s.lead_id = x.lead_id
       ORDER BY abs(s.points) * power(2, extract(epoch FROM s.occurred_at - $2::timestamptz) / $3) DESC, s.id DESC LIMIT $4) r`;

/**
 * The newest timeline items per lead (the same items and order as GET /leads/{id}/timeline, which sorts by
 * (at, kind, id), a stage change's id as a number). Each source contributes at most its own newest N keys, the N newest of those are kept,
 * and only they are described (an event's points and scoring state are looked up for those items alone). $3: the live window in seconds (see EVENT_ITEM_SQL).
 */
const TIMELINE_SQL = `
  SELECT x.lead_id, t.kind, t.at,
         CASE t.kind
           WHEN 'event' THEN (SELECT ${EVENT_ITEM_SQL('e', '$3')} FROM events e WHERE e.id = t.uuid_id)
           WHEN 'stage_change' THEN (
             SELECT jsonb_build_object('from', c.from_stage, 'to', c.to_stage, 'actor', c.actor, 'reason', c.reason, 'eventId', c.event_id)
               FROM stage_changes c WHERE c.id = t.int_id)
           WHEN 'email' THEN (SELECT ${EMAIL_ITEM_SQL('em')} FROM email_messages em WHERE em.id = t.uuid_id)
           ELSE (
             SELECT jsonb_build_object('status', k.status, 'basis', k.basis, 'source', k.source, 'text', k.text)
               FROM consents k WHERE k.id = t.uuid_id)
         END AS data
    FROM unnest($1::uuid[]) AS x(lead_id)
    CROSS JOIN LATERAL (
      SELECT * FROM (
        (SELECT 'event'::text AS kind, e.id::text AS id, e.occurred_at AS at, e.id AS uuid_id, NULL::bigint AS int_id FROM events e
          WHERE e.lead_id = x.lead_id ORDER BY e.occurred_at DESC, e.id::text DESC LIMIT $2)
        UNION ALL
        (SELECT 'stage_change', ${STAGE_CHANGE_SORT_ID('c')}, c.changed_at, NULL::uuid, c.id FROM stage_changes c
          WHERE c.lead_id = x.lead_id ORDER BY c.changed_at DESC, c.id DESC LIMIT $2)
        UNION ALL
        (SELECT 'consent', k.id::text, k.captured_at, k.id, NULL::bigint FROM consents k
          WHERE k.lead_id = x.lead_id ORDER BY k.captured_at DESC, k.id::text DESC LIMIT $2)
        UNION ALL
        (SELECT 'email', em.id::text, em.created_at, em.id, NULL::bigint FROM email_messages em
          WHERE em.lead_id = x.lead_id AND em.kind = 'nurture' ORDER BY em.created_at DESC, em.id::text DESC LIMIT $2)
      ) u ORDER BY u.at DESC, u.kind DESC, u.id DESC LIMIT $2) t
   ORDER BY x.lead_id, t.at, t.kind, t.id`;

/**
 * Takes the picture of a lead that sales gets with a hand-off: profile, source and channel, BANT answers,
 * scores with the strongest reasons (the same explanation as GET /leads/{id}/score) and the recent timeline.
 * Set-based for a whole batch: two statements however many leads (score reasons, timeline tails),
 * run on the caller's connection — so inside the relay's transaction it takes no second pool connection.
 */
@Injectable()
export class HandoffSnapshotService {
  constructor(
    private readonly models: ScoringModelService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Snapshots of these leads, read on the caller's connection, by lead id (none for a lead erased or gone). */
  async takeForLeads(m: EntityManager, leadIds: string[]): Promise<Map<string, HandoffSnapshot>> {
    if (!leadIds.length) return new Map();
    const leads: LeadRow[] = await m.query(`SELECT * FROM leads WHERE id = ANY($1::uuid[]) AND erased_at IS NULL`, [[...new Set(leadIds)]]);
    return this.take(m, leads);
  }

  /** Snapshots of these leads (rows the caller just read in its transaction), by lead id. */
  async take(m: EntityManager, leads: LeadRow[]): Promise<Map<string, HandoffSnapshot>> {
    const out = new Map<string, HandoffSnapshot>();
    if (!leads.length) return out;
    const ids = leads.map((l) => l.id);
    const now = this.clock.now();
    const { definition } = await this.models.currentForRead();
    const halfLife = definition.halfLifeDays;
    const reasonRows: ReasonRow[] = await m.query(REASONS_SQL, [ids, now.toISOString(), halfLife * 86400, SNAPSHOT_REASONS]);
    const timelineRows: TimelineRow[] = await m.query(TIMELINE_SQL, [ids, SNAPSHOT_TIMELINE_ITEMS, this.config.eventLiveWindowMs / 1000]);
    const reasons = groupBy(reasonRows);
    const timelines = groupBy(timelineRows);
    for (const lead of leads) {
      const engagementScore = scoreAt({ value: lead.engagement_score, asOf: lead.engagement_as_of }, now, halfLife);
      const mql = evaluateMqlRule({ engagementScore, fitScore: lead.fit_score, qualification: lead.qualification }, definition.mql);
      out.set(lead.id, {
        takenAt: now.toISOString(),
        lead: {
          id: lead.id,
          ...leadContactOf(lead),
          stage: lead.stage,
          attributes: lead.attributes,
        },
        source: lead.source,
        channel: lead.channel,
        qualification: lead.qualification,
        score: {
          engagementScore: round(engagementScore),
          fitScore: round(lead.fit_score),
          mqlRule: { met: mql.met, missing: mql.missing },
          reasons: (reasons.get(lead.id) ?? []).map((r) => ({
            description: r.description,
            points: r.points,
            currentPoints: round(currentPoints(r.points, r.occurred_at, now, halfLife)),
            at: r.occurred_at.toISOString(),
            eventId: r.event_id,
          })),
        },
        timeline: (timelines.get(lead.id) ?? []).map((i) => ({ kind: i.kind, at: i.at.toISOString(), data: i.data })),
      });
    }
    return out;
  }
}

/** Rows by lead id, in the order the statement returned them. */
function groupBy<T extends { lead_id: string }>(rows: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const list = out.get(r.lead_id);
    if (list) list.push(r);
    else out.set(r.lead_id, [r]);
  }
  return out;
}
