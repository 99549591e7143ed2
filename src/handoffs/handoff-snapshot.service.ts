import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock.js';
import type { LeadRow } from '../leads/lead.types.js';
import { TimelineService, type TimelineItem } from '../leads/timeline.service.js';
import { ScoreExplainService } from '../scoring/score-explain.service.js';
import type { HandoffSnapshot } from './handoff.types.js';

/** How many score contributions and timeline items a hand-off carries. */
export const SNAPSHOT_REASONS = 5;
export const SNAPSHOT_TIMELINE_ITEMS = 10;
const TIMELINE_PAGE = 500;
const PARALLEL = 8;

/**
 * Takes the picture of a lead that sales gets with a hand-off: profile, source and channel, BANT answers,
 * scores with the strongest reasons (the same explanation as GET /leads/{id}/score) and the recent timeline.
 * It reads committed data only, so it may run outside the transaction that creates the hand-off.
 */
@Injectable()
export class HandoffSnapshotService {
  constructor(
    private readonly db: DataSource,
    private readonly explain: ScoreExplainService,
    private readonly timeline: TimelineService,
    private readonly clock: Clock,
  ) {}

  /** Snapshots of these leads, by lead id; leads that no longer exist are left out. */
  async take(leadIds: string[]): Promise<Map<string, HandoffSnapshot>> {
    const out = new Map<string, HandoffSnapshot>();
    if (!leadIds.length) return out;
    const leads: LeadRow[] = await this.db.query(`SELECT * FROM leads WHERE id = ANY($1::uuid[])`, [leadIds]);
    let next = 0;
    const worker = async () => {
      while (next < leads.length) {
        const lead = leads[next++];
        out.set(lead.id, await this.snapshotOf(lead));
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, leads.length) }, worker));
    return out;
  }

  private async snapshotOf(lead: LeadRow): Promise<HandoffSnapshot> {
    const [score, timeline] = await Promise.all([this.explain.explain(lead.id, SNAPSHOT_REASONS), this.recentTimeline(lead.id)]);
    return {
      takenAt: this.clock.now().toISOString(),
      lead: {
        id: lead.id,
        email: lead.email,
        firstName: lead.first_name,
        lastName: lead.last_name,
        company: lead.company,
        jobTitle: lead.job_title,
        phone: lead.phone,
        locale: lead.locale,
        timezone: lead.timezone,
        stage: score.stage,
        attributes: lead.attributes,
      },
      source: lead.source,
      channel: lead.channel,
      qualification: lead.qualification,
      score: {
        engagementScore: score.engagementScore,
        fitScore: score.fitScore,
        mqlRule: { met: score.mqlRule.met, missing: score.mqlRule.missing },
        reasons: score.contributions.map((c) => ({
          description: c.description,
          points: c.points,
          currentPoints: c.currentPoints,
          at: c.at,
          eventId: c.eventId,
        })),
      },
      timeline: timeline.map((i) => ({ kind: i.kind, at: i.at, data: i.data })),
    };
  }

  /** The newest timeline items, oldest first (the timeline pages forward in time, so keep the tail). */
  private async recentTimeline(leadId: string): Promise<TimelineItem[]> {
    let tail: TimelineItem[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.timeline.forLead(leadId, TIMELINE_PAGE, cursor);
      tail = [...tail, ...page.items].slice(-SNAPSHOT_TIMELINE_ITEMS);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return tail;
  }
}
