import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { DataSource, type EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { QUEUES, type ScoreLeadsJob } from '../infra/queue/queue-names.js';
import type { Verdict } from './domain/machine-signals.js';
import { classifyHits, type PriorClick, type ScannerSettings } from './domain/scanner-rules.js';
import { epochMsSql } from '../infra/database/epoch-ms.js';
import type { TrackingHit } from './domain/tracking-hit.js';

/** A scanner's clicks on one message from the address that clicked its honeypot, this far either side. */
const HONEYPOT_PEER_WINDOW_MS = 60_000;
const JOB_CHUNK = 500;

interface MessageFacts {
  id: string;
  kind: string;
  lead_id: string | null;
  /** sent_at in ms since the epoch (a number is far cheaper to read than a timestamp). */
  sent_ms: number | null;
  template_id: string | null;
  step_id: string | null;
  enrollment_id: string | null;
}

interface PriorClickRow {
  id: string;
  message_id: string;
  link_index: number | null;
  ip: string | null;
  at_ms: number;
  machine: boolean;
}

export interface RecordResult {
  /** Interactions newly stored (a hit delivered twice is stored once). */
  stored: number;
  /** Earlier clicks now known to be a scanner's. */
  reclassified: number;
  /** Leads with new human events waiting for scoring. */
  leads: string[];
}

/**
 * Writes buffered opens and clicks to PostgreSQL in one transaction per batch: judges each (human or
 * machine, with its reason), stores it in email_interactions, and — for nurture messages of a known lead —
 * as an `email_opened` / `email_clicked` behaviour event. Human events go on the scoring queue; machine events
 * are stored with `machine = true` and skip it (they score nothing, and programs ignore them), which spares
 * scoring the half of all opens that privacy proxies make. Scoring is requested after the burst window, so that
 * a scanner burst found by a later click can still be corrected before anything is scored.
 */
@Injectable()
export class HitRecorder {
  private readonly logger = new Logger(HitRecorder.name);
  private readonly settings: ScannerSettings;

  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(QUEUES.scoring) private readonly scoringQueue: Queue<ScoreLeadsJob>,
  ) {
    this.settings = {
      scannerWindowMs: config.trackingScannerWindowMs,
      burstWindowMs: config.trackingBurstWindowMs,
      honeypotPeerWindowMs: HONEYPOT_PEER_WINDOW_MS,
    };
  }

  async record(hits: TrackingHit[], { requestScoring = true } = {}): Promise<RecordResult> {
    if (!hits.length) return { stored: 0, reclassified: 0, leads: [] };
    const result = await this.db.transaction((m) => this.store(m, hits));
    if (requestScoring) await this.requestScoring(result);
    return result;
  }

  private async store(m: EntityManager, hits: TrackingHit[]): Promise<RecordResult> {
    const messages: MessageFacts[] = await m.query(
      `SELECT id, kind, lead_id, ${epochMsSql('sent_at')} AS sent_ms, template_id, step_id, enrollment_id FROM email_messages WHERE id = ANY($1::uuid[])`,
      [[...new Set(hits.map((h) => h.messageId))]],
    );
    const byId = new Map(messages.map((r) => [r.id, r]));
    const known = hits.filter((h) => byId.has(h.messageId)); // a message deleted since it was sent records nothing
    if (!known.length) return { stored: 0, reclassified: 0, leads: [] };
    const prior = await this.priorClicks(m, known);
    const facts = new Map(messages.map((r) => [r.id, { sentAt: r.sent_ms }]));
    const { verdicts, reclassified } = classifyHits(known, facts, prior, this.settings);

    const [row]: { stored: number; leads: string[] }[] = await m.query(
      `WITH h AS (
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::int[], $6::text[], $7::bool[], $8::text[],
                              $9::text[], $10::text[], $11::timestamptz[], $12::jsonb[])
           AS h(id, message_id, lead_id, kind, link_index, url, machine, reason, user_agent, ip, occurred_at, properties)
       ), i AS (
         INSERT INTO email_interactions (id, message_id, lead_id, kind, link_index, url, machine, reason, user_agent, ip, occurred_at)
         SELECT id, message_id, lead_id, kind, link_index, url, machine, reason, user_agent, ip, occurred_at FROM h
         ON CONFLICT (id) DO NOTHING
         RETURNING id
       ), e AS (
         INSERT INTO events (id, lead_id, type, occurred_at, properties, machine, received_at)
         SELECT h.id, h.lead_id, CASE h.kind WHEN 'open' THEN 'email_opened' ELSE 'email_clicked' END, h.occurred_at, h.properties, h.machine, $13
           FROM h JOIN i ON i.id = h.id
          WHERE h.properties IS NOT NULL
         ON CONFLICT (id) DO NOTHING
         RETURNING id, lead_id, machine
       ), q AS (
         INSERT INTO scoring_queue (event_id, lead_id) SELECT id, lead_id FROM e WHERE NOT machine
       )
       SELECT (SELECT count(*) FROM i)::int AS stored,
              (SELECT coalesce(json_agg(DISTINCT lead_id), '[]'::json) FROM e WHERE NOT machine) AS leads`,
      this.columns(known, verdicts, byId),
    );
    const corrected = reclassified.length ? await this.reclassify(m, reclassified) : 0;
    return { stored: row.stored, reclassified: corrected, leads: row.leads };
  }

  /** Stored clicks on the same messages close enough in time to matter for bursts and honeypot peers. */
  private async priorClicks(m: EntityManager, hits: TrackingHit[]): Promise<PriorClick[]> {
    const clicks = hits.filter((h) => h.kind === 'click');
    if (!clicks.length) return [];
    const reach = Math.max(this.settings.burstWindowMs, this.settings.honeypotPeerWindowMs);
    const times = clicks.map((h) => h.at);
    const rows: PriorClickRow[] = await m.query(
      `SELECT id, message_id, link_index, ip, ${epochMsSql('occurred_at')} AS at_ms, machine FROM email_interactions
        WHERE message_id = ANY($1::uuid[]) AND kind = 'click' AND occurred_at BETWEEN $2 AND $3`,
      [
        [...new Set(clicks.map((h) => h.messageId))],
        new Date(Math.min(...times) - reach).toISOString(),
        new Date(Math.max(...times) + reach).toISOString(),
      ],
    );
    return rows.map((r) => ({ id: r.id, messageId: r.message_id, linkIndex: r.link_index, ip: r.ip, at: r.at_ms, machine: r.machine }));
  }

  private columns(hits: TrackingHit[], verdicts: Verdict[], messages: Map<string, MessageFacts>): unknown[] {
    const properties = hits.map((h, i) => {
      const msg = messages.get(h.messageId)!;
      if (msg.kind !== 'nurture' || !msg.lead_id) return null; // test sends and erased leads: no behaviour event
      const p: Record<string, unknown> = { messageId: msg.id, templateId: msg.template_id, stepId: msg.step_id, enrollmentId: msg.enrollment_id };
      if (h.kind === 'click') Object.assign(p, { linkIndex: h.linkIndex, url: h.url });
      if (verdicts[i].machine) p.machineReason = verdicts[i].reason;
      return JSON.stringify(p);
    });
    return [
      hits.map((h) => h.id),
      hits.map((h) => h.messageId),
      hits.map((h) => messages.get(h.messageId)!.lead_id),
      hits.map((h) => h.kind),
      hits.map((h) => h.linkIndex),
      hits.map((h) => h.url),
      verdicts.map((v) => v.machine),
      verdicts.map((v) => v.reason),
      hits.map((h) => h.userAgent),
      hits.map((h) => h.ip),
      hits.map((h) => new Date(h.at).toISOString()),
      properties,
      this.clock.now().toISOString(),
    ];
  }

  /**
   * Marks earlier clicks as a scanner's. Their events are corrected only while still unscored: they are taken
   * off the scoring queue (waiting for any scoring run that holds them) and marked machine, so they score
   * nothing. A click that was already scored keeps its points and its human mark.
   */
  private async reclassify(m: EntityManager, found: { id: string; reason: string }[]): Promise<number> {
    const ids = found.map((r) => r.id);
    const marked: { id: string }[] = await m.query(
      `WITH taken AS (DELETE FROM scoring_queue WHERE event_id = ANY($1::uuid[]) RETURNING event_id),
            marked AS (
              UPDATE events e SET machine = true, properties = e.properties || jsonb_build_object('machineReason', r.reason)
                FROM unnest($1::uuid[], $2::text[]) AS r(id, reason)
               WHERE e.id = r.id AND e.id IN (SELECT event_id FROM taken)
              RETURNING e.id)
       SELECT id FROM marked`,
      [ids, found.map((r) => r.reason)],
    );
    // Clicks without an event (test sends, erased leads) are corrected too; clicks already scored are not.
    const markedIds = new Set(marked.map((r) => r.id));
    const rest = ids.filter((id) => !markedIds.has(id));
    const scored: { id: string }[] = rest.length ? await m.query(`SELECT id FROM events WHERE id = ANY($1::uuid[])`, [rest]) : [];
    const keep = new Set(scored.map((s) => s.id));
    const marks = found.filter((r) => !keep.has(r.id));
    if (!marks.length) return 0;
    await m.query(
      `UPDATE email_interactions i SET machine = true, reason = r.reason
         FROM unnest($1::uuid[], $2::text[]) AS r(id, reason) WHERE i.id = r.id AND NOT i.machine`,
      [marks.map((r) => r.id), marks.map((r) => r.reason)],
    );
    return marks.length;
  }

  /** Scoring waits out the burst window, so a scanner burst found by a later click is corrected before anything scores. */
  private async requestScoring(result: RecordResult): Promise<void> {
    try {
      const delay = this.settings.burstWindowMs + 500;
      for (let i = 0; i < result.leads.length; i += JOB_CHUNK) {
        await this.scoringQueue.add('score', { leadIds: result.leads.slice(i, i + JOB_CHUNK) }, { delay });
      }
    } catch (err) {
      // The events are on the scoring queue table; the scoring sweep picks them up.
      this.logger.warn({ err }, 'could not enqueue scoring jobs for tracked opens and clicks; the sweep will score them');
    }
  }
}
