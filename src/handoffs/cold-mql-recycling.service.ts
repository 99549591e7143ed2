import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { coldCutoff, wentCold, WENT_COLD } from '../lifecycle/domain/went-cold.js';
import { StageMoves } from '../lifecycle/stage-moves.js';
import type { Stage } from '../scoring/domain/index.js';
import type { HandoffStatus } from './domain/index.js';
import { closePendingHandoffs } from './handoff-closing.js';

/** Candidate MQLs read per page, and at most recycled per transaction. */
export const COLD_SWEEP_BATCH = 200;

interface LockedLead {
  id: string;
  stage: Stage;
  mql_at: Date | null;
  erased_at: Date | null;
  engagement_score: number;
  engagement_as_of: Date;
}

/**
 * Recycles MQLs that went cold (see wentCold): mql → recycled by `system`, reason `went_cold`, through StageMoves, so
 * the history, the `lead.stage_changed` webhook and `stage_entered: recycled` triggers behave as for a sales
 * rejection, and applyStageChanges starts the lead's engagement since recycling at zero (recycled_at,
 * recycled_engagement): it re-qualifies only on new evidence, as a lead sales recycled. Its pending hand-off becomes
 * `expired` (closeReason went_cold), so the sales queue no longer shows it, and is announced as `handoff.closed` in the
 * same transaction.
 *
 * Pages through MQLs that became MQL before the cutoff (index leads_mql_since, keyset on mql_at and id), and per page
 * locks the leads with SKIP LOCKED before deciding: several workers never recycle a lead twice, and a lead another
 * transaction holds (an event being scored, sales answering) is left for the next sweep. Facts are read after the
 * lock, so an event or answer committed before it counts. A pending hand-off is locked with SKIP LOCKED as well: sales
 * answering lock the hand-off before the lead, so waiting for it could deadlock.
 */
@Injectable()
export class ColdMqlRecycling {
  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock,
    private readonly moves: StageMoves,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Recycles every MQL that went cold by now, `batch` candidates a page (a transaction); returns how many.
   * `stopping` ends the sweep between pages.
   */
  async recycleCold(stopping: () => boolean = () => false, batch = COLD_SWEEP_BATCH): Promise<number> {
    const window = this.config.handoffs.mqlColdAfterMs;
    if (window <= 0) return 0;
    let after: { at: Date; id: string } | null = null;
    let total = 0;
    while (!stopping()) {
      const now = this.clock.now();
      const cutoff = coldCutoff(now, window);
      const page: { id: string; mql_at: Date }[] = await this.db.query(
        `SELECT id, mql_at FROM leads
          WHERE stage = 'mql' AND erased_at IS NULL AND mql_at <= $1
            AND ($2::timestamptz IS NULL OR (mql_at, id) > ($2::timestamptz, $3::uuid))
          ORDER BY mql_at, id LIMIT $4`,
        [cutoff.toISOString(), after?.at.toISOString() ?? null, after?.id ?? null, batch],
      );
      if (!page.length) break;
      total += await this.db.transaction((m) => this.recycleBatch(m, page.map((p) => p.id), now));
      const last = page[page.length - 1]!;
      after = { at: last.mql_at, id: last.id };
      if (page.length < batch) break;
    }
    return total;
  }

  private async recycleBatch(m: EntityManager, ids: string[], now: Date): Promise<number> {
    const window = this.config.handoffs.mqlColdAfterMs;
    const cutoff = coldCutoff(now, window).toISOString();
    const leads: LockedLead[] = await m.query(
      `SELECT id, stage, mql_at, erased_at, engagement_score, engagement_as_of FROM leads
        WHERE id = ANY($1::uuid[]) AND stage = 'mql' ORDER BY id FOR NO KEY UPDATE SKIP LOCKED`,
      [ids],
    );
    if (!leads.length) return 0;
    const locked = leads.map((l) => l.id);
    // The latest live human engagement since the cutoff (engagedAt: not machine, not historical, no later than
    // received); older engagement cannot keep a lead that became MQL before the cutoff warm.
    const engaged: { lead_id: string; at: Date }[] = await m.query(
      `SELECT lead_id, max(least(occurred_at, received_at)) AS at FROM events
        WHERE lead_id = ANY($1::uuid[]) AND occurred_at > $2 AND received_at > $2 AND NOT machine
          AND received_at - occurred_at <= make_interval(secs => $3)
        GROUP BY lead_id`,
      [locked, cutoff, this.config.eventLiveWindowMs / 1000],
    );
    const open: { id: string; lead_id: string; status: HandoffStatus }[] = await m.query(
      `SELECT id, lead_id, status FROM handoffs WHERE lead_id = ANY($1::uuid[]) AND status IN ('pending', 'accepted', 'opportunity')`,
      [locked],
    );
    const lastEngaged = new Map(engaged.map((e) => [e.lead_id, e.at]));
    const handoffOf = new Map(open.map((h) => [h.lead_id, h]));
    const cold = leads.filter((l) =>
      wentCold(
        { stage: l.stage, mqlAt: l.mql_at, erased: l.erased_at !== null, openHandoff: handoffOf.get(l.id)?.status ?? null, lastEngagementAt: lastEngaged.get(l.id) ?? null },
        now,
        window,
      ),
    );
    const pending = cold.map((l) => handoffOf.get(l.id)?.id).filter((id): id is string => id !== undefined);
    const claimed: { id: string }[] = pending.length
      ? await m.query(`SELECT id FROM handoffs WHERE id = ANY($1::uuid[]) AND status = 'pending' ORDER BY id FOR UPDATE SKIP LOCKED`, [pending])
      : [];
    const claimedIds = new Set(claimed.map((h) => h.id));
    const recycled = cold.filter((l) => {
      const h = handoffOf.get(l.id);
      return !h || claimedIds.has(h.id);
    });
    if (!recycled.length) return 0;
    await closePendingHandoffs(m, { handoffIds: [...claimedIds], status: 'expired', reason: 'went_cold', by: WENT_COLD.actor, now });
    await this.moves.apply(
      m,
      recycled.map((l) => ({
        leadId: l.id,
        from: l.stage,
        to: 'recycled' as const,
        ...WENT_COLD,
        engagement: { value: l.engagement_score, asOf: l.engagement_as_of },
      })),
      now,
    );
    return recycled.length;
  }
}
