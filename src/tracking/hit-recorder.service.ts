import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { preparedQuery } from '../infra/database/prepared-query.js';
import { HONEYPOT_LINK_INDEX } from './domain/honeypot.js';
import { classifyHits, type PriorClick, type ScannerSettings, type SentMessageFacts } from './domain/scanner-rules.js';
import type { TrackingHit } from './domain/tracking-hit.js';
import { CLICK_CONTEXT_SQL, hitsJson, STORE_SQL } from './hit-store-sql.js';

/** A scanner's clicks on one message from the address that clicked its honeypot, this far either side. */
const HONEYPOT_PEER_WINDOW_MS = 60_000;

/** What classifying a batch reads in one round trip: click messages' sent times and nearby stored clicks. */
interface ClickContext {
  /** Message id → sent_at in ms since the epoch (null when not marked sent); messages that do not exist are absent. */
  sent: Record<string, number | null> | null;
  prior: { id: string; m: string; x: number | null; ip: string | null; t: number; mc: boolean }[] | null;
}

export interface RecordResult {
  /** Interactions newly stored (a hit delivered twice is stored once). */
  stored: number;
  /** Earlier clicks now known to be a scanner's. */
  reclassified: number;
}

/**
 * Writes buffered opens and clicks to PostgreSQL in one transaction per batch: judges each (human or
 * machine, with its reason), stores it in email_interactions, and — for nurture messages of a known lead —
 * as an `email_opened` / `email_clicked` behaviour event. Human events go on the scoring queue; machine events
 * are stored with `machine = true` and skip it (they score nothing, and programs ignore them), which spares
 * scoring the half of all opens that privacy proxies make. The scoring sweep scores queued events once they
 * have waited out the burst window, so that a scanner burst found by a later click can still be corrected
 * before anything is scored (see ScoringSweepCron).
 */
@Injectable()
export class HitRecorder {
  private readonly settings: ScannerSettings;

  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.settings = {
      scannerWindowMs: config.trackingScannerWindowMs,
      burstWindowMs: config.trackingBurstWindowMs,
      honeypotPeerWindowMs: HONEYPOT_PEER_WINDOW_MS,
    };
  }

  async record(hits: TrackingHit[]): Promise<RecordResult> {
    if (!hits.length) return { stored: 0, reclassified: 0 };
    return this.db.transaction((m) => this.store(m, hits));
  }

  /**
   * One round trip reads what classifying the clicks needs (none for a batch of opens); one statement stores
   * the batch, reading each hit's message (lead, template, step, enrollment) in the same statement, so the
   * message rows are not sent to this process and back. A hit whose message no longer exists records nothing.
   */
  private async store(m: EntityManager, hits: TrackingHit[]): Promise<RecordResult> {
    const { sent, prior } = await this.clickContext(m, hits);
    const { verdicts, reclassified } = classifyHits(hits, sent, prior, this.settings);
    const [row]: { stored: number }[] = await preparedQuery(m, STORE_SQL, [hitsJson(hits, verdicts), this.clock.now().toISOString()]);
    const corrected = reclassified.length ? await this.reclassify(m, reclassified) : 0;
    return { stored: row.stored, reclassified: corrected };
  }

  /**
   * The sent times of the clicked messages, and the stored clicks that can change a verdict: those on them
   * within the burst window of the batch's clicks, their honeypot clicks within the honeypot-peer window,
   * and all clicks within that window on messages whose honeypot this batch clicked.
   */
  private async clickContext(m: EntityManager, hits: TrackingHit[]): Promise<{ sent: Map<string, SentMessageFacts>; prior: PriorClick[] }> {
    const clicks = hits.filter((h) => h.kind === 'click');
    if (!clicks.length) return { sent: new Map(), prior: [] };
    const { burstWindowMs, honeypotPeerWindowMs } = this.settings;
    let earliest = Infinity;
    let latest = -Infinity;
    const trapped = new Set<string>();
    for (const c of clicks) {
      if (c.at < earliest) earliest = c.at;
      if (c.at > latest) latest = c.at;
      if (c.linkIndex === HONEYPOT_LINK_INDEX) trapped.add(c.messageId);
    }
    const at = (ms: number) => new Date(ms).toISOString();
    const [ctx] = await preparedQuery<ClickContext>(m, CLICK_CONTEXT_SQL, [
      [...new Set(clicks.map((h) => h.messageId))],
      at(earliest - burstWindowMs),
      at(latest + burstWindowMs),
      at(earliest - honeypotPeerWindowMs),
      at(latest + honeypotPeerWindowMs),
      [...trapped],
    ]);
    const sent = new Map<string, SentMessageFacts>();
    for (const [id, at] of Object.entries(ctx.sent ?? {})) sent.set(id, { sentAt: at });
    const prior = (ctx.prior ?? []).map((r) => ({ id: r.id, messageId: r.m, linkIndex: r.x, ip: r.ip, at: r.t, machine: r.mc }));
    return { sent, prior };
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
}
