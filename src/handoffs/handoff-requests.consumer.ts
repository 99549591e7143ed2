import { Injectable, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import { isUuid } from '../common/uuid.pipe.js';
import type { DomainEventType } from '../lifecycle/outbox.js';
import { OutboxRelay, type OutboxBatch, type OutboxConsumer, type OutboxEvent } from '../lifecycle/outbox-relay.service.js';
import { intentTierOf, type IntentTier, type ScoringModelDefinition } from '../scoring/domain/index.js';
import { intentParams, leadIntentSql } from '../scoring/lead-intent.js';
import { ScoringModelService } from '../scoring/scoring-model.service.js';
import { promotionPriority, type HandoffPriority } from './domain/index.js';
import { HandoffCreator, type HandoffRequest } from './handoff-creator.service.js';
import { snapshotFromPicture } from './handoff.types.js';

const PRIORITIES: readonly string[] = ['high', 'medium', 'low'];

/**
 * Turns `lead.mql` (scoring's promotion) and `handoff.requested` (a program's hand-off step, or scoring's
 * high-intent event of a lead already MQL) into hand-offs, exactly once: it runs in the outbox relay's
 * transaction. Priority follows intent (promotionPriority): an MQL promoted by a high-intent event takes that event
 * type's tier (quote, meeting, contact request: high); an MQL by the scoring rule takes the lead's intent (the highest
 * tier of its own human behaviour of the last 90 days, low without any), read here, in the transaction that creates
 * the hand-off; a program step says its own priority (medium by default). A request for a lead whose pending
 * hand-off has a lower priority raises it.
 * A hand-off made from `lead.mql` keeps the lead's picture that event carries (taken once, by the webhook fan-out
 * earlier in the batch, when a webhook wants it), so the hand-off and both webhooks show the same picture.
 */
@Injectable()
export class HandoffRequestsConsumer implements OutboxConsumer, OnModuleInit {
  readonly name = 'handoffs';
  readonly types: readonly DomainEventType[] = ['lead.mql', 'handoff.requested'];
  /** Last in a relay batch: owner assignment locks the sales team's rows until the batch commits. */
  readonly order = 1;

  constructor(
    private readonly relay: OutboxRelay,
    private readonly creator: HandoffCreator,
    private readonly models: ScoringModelService,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.relay.register(this);
  }

  /** `handoff.created` is relayed right after this batch (to webhooks), not behind the rest of the outbox. */
  async consume(m: EntityManager, events: OutboxEvent[], batch: OutboxBatch): Promise<void> {
    const { eventIds } = await this.creator.create(m, await this.requestsFrom(m, events));
    batch.relaySoon(eventIds);
  }

  private async requestsFrom(m: EntityManager, events: OutboxEvent[]): Promise<HandoffRequest[]> {
    const eventIds = events.map((e) => uuid(e.payload.eventId)).filter((id): id is string => id !== null);
    const types = new Map<string, string>();
    if (eventIds.length) {
      const rows: { id: string; type: string }[] = await m.query(`SELECT id, type FROM events WHERE id = ANY($1::uuid[])`, [eventIds]);
      for (const r of rows) types.set(r.id, r.type);
    }
    const model = (await this.models.current(m)).definition;
    const byRule = events.filter((e) => e.leadId && e.type === 'lead.mql' && e.payload.reason !== 'high_intent_event').map((e) => e.leadId!);
    const intents = await this.leadIntents(m, byRule, model);
    return events
      .filter((e) => e.leadId)
      .map((e): HandoffRequest => {
        const p = e.payload;
        const triggerEventId = uuid(p.eventId);
        const triggerEventType = triggerEventId ? (types.get(triggerEventId) ?? null) : null;
        if (e.type === 'handoff.requested' && p.reason !== 'high_intent_event') {
          return {
            outboxEventId: e.id,
            leadId: e.leadId!,
            reason: 'program_step',
            priority: PRIORITIES.includes(String(p.priority)) ? (p.priority as HandoffPriority) : 'medium',
            triggerEventId: null,
            triggerEventType: null,
            programId: uuid(p.programId),
            enrollmentId: uuid(p.enrollmentId),
            stepId: str(p.stepId)?.slice(0, 64) ?? null,
          };
        }
        const reason = str(p.reason) ?? 'mql';
        const priority = promotionPriority({
          reason,
          triggerTier: triggerEventType ? intentTierOf(model, triggerEventType) : null,
          leadIntent: intents.get(e.leadId!) ?? null,
        });
        const snapshot = e.type === 'lead.mql' ? snapshotFromPicture(p) : null;
        return { outboxEventId: e.id, leadId: e.leadId!, reason, priority, triggerEventId, triggerEventType, programId: null, enrollmentId: null, stepId: null, snapshot };
      });
  }

  /** The intent of these leads now, under the current model (see leadIntentSql). */
  private async leadIntents(m: EntityManager, leadIds: string[], model: ScoringModelDefinition): Promise<Map<string, IntentTier>> {
    if (!leadIds.length) return new Map();
    const p = intentParams(model, this.clock.now());
    const rows: { id: string; intent: IntentTier }[] = await m.query(
      `SELECT l.id, ${leadIntentSql('l.id', { high: '$2', medium: '$3', since: '$4' })} AS intent FROM unnest($1::uuid[]) AS l(id)`,
      [[...new Set(leadIds)], p.high, p.medium, p.since],
    );
    return new Map(rows.map((r) => [r.id, r.intent]));
  }
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

/** Ids from a payload are only trusted when they are UUIDs (a malformed one is dropped, not fatal). */
function uuid(v: unknown): string | null {
  return isUuid(v) ? v.toLowerCase() : null;
}
