import { Global, Injectable, Module } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Stage } from '../scoring/domain/lifecycle.js';

/** What just happened to a lead, published inside the transaction that recorded it. */
export interface LeadActivity {
  leadId: string;
  at: Date;
  /** created: the lead was just created (by API upsert or by its first event). */
  created: boolean;
  stageBefore: Stage;
  stageAfter: Stage;
  /**
   * Events just scored for this lead (human and machine), oldest first. `historical`: it occurred longer before
   * it was received than EVENT_LIVE_WINDOW_HOURS, so it fires no event trigger (see EventFacts).
   */
  events: { id: string; type: string; occurredAt: Date; properties: Record<string, unknown>; machine: boolean; historical?: boolean }[];
  /** The lead's engagement score right after this activity. */
  engagementScore: number;
}

export interface LeadActivityListener {
  /** Runs inside the publishing transaction: whatever it writes commits or rolls back with the activity. */
  onLeadActivity(manager: EntityManager, activities: LeadActivity[]): Promise<void>;
  /**
   * These leads just became unmailable by something they or an operator did (unsubscribed, hard bounce,
   * complaint, consent withdrawn, listed by hand, erased), inside the transaction that recorded it.
   */
  onUnmailable?(manager: EntityManager, leadIds: string[], at: Date): Promise<void>;
  /**
   * True only when the listener knows, without a query, that it would do nothing in this transaction
   * (say, a read-ahead found nothing it reacts to). A listener without it is never taken to be idle.
   */
  idle?(manager: EntityManager): boolean;
}

/**
 * In-transaction domain events: modules that react to lead activity (nurture triggers, goals,
 * wait-until steps) register here; scoring and lead upserts publish. Opt-outs, suppressions and erasure
 * announce leads that became unmailable (see {@link LeadActivityHub.unmailable}). Because listeners run in the
 * same transaction, a reaction is never lost and never applied twice.
 */
@Injectable()
export class LeadActivityHub {
  private readonly listeners: LeadActivityListener[] = [];

  register(listener: LeadActivityListener): void {
    if (!this.listeners.includes(listener)) this.listeners.push(listener);
  }

  /**
   * Whether publishing in this transaction would do nothing (every listener says it is idle): a caller
   * may then end the transaction in the same round trip as its last statement instead of publishing.
   */
  quiet(manager: EntityManager): boolean {
    return this.listeners.every((l) => l.idle?.(manager) === true);
  }

  async publish(manager: EntityManager, activities: LeadActivity[]): Promise<void> {
    if (!activities.length) return;
    for (const listener of this.listeners) await listener.onLeadActivity(manager, activities);
  }

  /**
   * Tells listeners, inside the transaction that recorded it, that these leads opted out or were put on the
   * suppression list (or erased): their nurture enrollments end now, not at each one's next step.
   */
  async unmailable(manager: EntityManager, leadIds: string[], at: Date): Promise<void> {
    const ids = [...new Set(leadIds)];
    if (!ids.length) return;
    for (const listener of this.listeners) await listener.onUnmailable?.(manager, ids, at);
  }
}

@Global()
@Module({ providers: [LeadActivityHub], exports: [LeadActivityHub] })
export class LeadActivityModule {}
