import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import { QUEUES, ScoreLeadsJob } from '../infra/queue/queue-names.js';
import { LeadActivityHub } from '../lifecycle/lead-activity.js';
import { recordDomainEvents } from '../lifecycle/outbox.js';
import { intentTierOf, type ScoringModelDefinition, type Stage } from '../scoring/domain/index.js';
import { ScoringModelService } from '../scoring/scoring-model.service.js';
import { EventInput, MAX_BATCH, parseEventInput } from './event-input.js';
import { IngestItemResult, IngestResult } from './events.types.js';

const JOB_CHUNK = 500;

/**
 * Accepts behaviour events: validates each, finds or creates the lead, stores the event and its
 * place on the scoring queue in one transaction (so an accepted event is never lost), then asks a
 * worker to score it. Retried events with the same idempotency key are reported as duplicates.
 */
@Injectable()
export class EventsService {
  private readonly logger = new Logger(EventsService.name);

  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock,
    private readonly models: ScoringModelService,
    private readonly activity: LeadActivityHub,
    @InjectQueue(QUEUES.scoring) private readonly scoringQueue: Queue<ScoreLeadsJob>,
  ) {}

  async ingest(body: unknown, headerKey?: string): Promise<IngestResult> {
    const now = this.clock.now();
    const { raws, batch } = this.unwrap(body);
    const items: IngestItemResult[] = new Array(raws.length);
    const valid: { index: number; event: EventInput }[] = [];
    raws.forEach((raw, index) => {
      const parsed = parseEventInput(raw, batch ? `events[${index}].` : '', now);
      if (parsed.event) {
        if (!batch && headerKey && !parsed.event.idempotencyKey) parsed.event.idempotencyKey = headerKey;
        valid.push({ index, event: parsed.event });
      } else items[index] = { index, status: 'rejected', errors: parsed.errors };
    });
    if (!batch && !valid.length) {
      const errors = items[0].errors ?? [];
      throw DomainError.validation(errors, errors.map((e) => `${e.field}: ${e.message}`).join('; '));
    }

    // Read the model before taking a connection for the transaction: asking the pool for a second
    // connection while holding one deadlocks once every connection is held that way.
    const { definition } = await this.models.currentForRead();
    const touched = valid.length ? await this.db.transaction((m) => this.store(m, valid, items, now, definition)) : [];
    await this.requestScoring(touched);
    const count = (s: string) => items.filter((i) => i.status === s).length;
    return { accepted: count('accepted'), duplicates: count('duplicate'), rejected: count('rejected'), items };
  }

  private unwrap(body: unknown): { raws: unknown[]; batch: boolean } {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw DomainError.invalidField('body', 'must be an event object or {"events": [...]}');
    }
    const o = body as Record<string, unknown>;
    if (!('events' in o)) return { raws: [body], batch: false };
    const extra = Object.keys(o).filter((k) => k !== 'events');
    if (extra.length) throw DomainError.invalidField(extra[0], 'is not a known field of a batch');
    if (!Array.isArray(o.events) || o.events.length === 0) throw DomainError.invalidField('events', 'must be a non-empty array');
    if (o.events.length > MAX_BATCH) throw DomainError.invalidField('events', `must hold at most ${MAX_BATCH} events`);
    return { raws: o.events, batch: true };
  }

  /** Stores the valid events; fills in their results; returns the ids of leads with new events. */
  private async store(
    m: EntityManager,
    valid: { index: number; event: EventInput }[],
    items: IngestItemResult[],
    now: Date,
    model: ScoringModelDefinition,
  ): Promise<string[]> {
    const leadIds = await this.resolveLeads(m, valid, items, now, model);
    // The first of several events with one idempotency key in a batch wins; later ones are duplicates.
    const seen = new Map<string, number>();
    const rows: { index: number; leadId: string; event: EventInput }[] = [];
    for (const v of valid) {
      const leadId = leadIds[v.index];
      if (!leadId) continue;
      const key = v.event.idempotencyKey;
      if (key !== null && seen.has(key)) {
        items[v.index] = { index: v.index, status: 'duplicate', leadId };
        continue;
      }
      if (key !== null) seen.set(key, v.index);
      rows.push({ index: v.index, leadId, event: v.event });
    }
    // Ids are chosen here so each returned row maps straight back to its item.
    const ids = rows.map(() => randomUUID());
    const inserted: { id: string }[] = await m.query(
      `WITH ins AS (
         INSERT INTO events (id, lead_id, type, occurred_at, properties, idempotency_key, received_at)
         SELECT * , $7::timestamptz FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[], $5::jsonb[], $6::text[])
         ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
         RETURNING id, lead_id
       ), queued AS (
         INSERT INTO scoring_queue (event_id, lead_id) SELECT id, lead_id FROM ins
       )
       SELECT id FROM ins`,
      [
        ids,
        rows.map((r) => r.leadId),
        rows.map((r) => r.event.type),
        rows.map((r) => r.event.occurredAt.toISOString()),
        rows.map((r) => JSON.stringify(r.event.properties)),
        rows.map((r) => r.event.idempotencyKey),
        now.toISOString(),
      ],
    );
    const stored = new Set(inserted.map((r) => r.id));
    const duplicates: string[] = [];
    rows.forEach((r, i) => {
      const id = stored.has(ids[i]) ? ids[i] : undefined;
      if (id) items[r.index] = { index: r.index, status: 'accepted', eventId: id, leadId: r.leadId };
      else if (r.event.idempotencyKey) duplicates.push(r.event.idempotencyKey);
    });
    if (duplicates.length) {
      const existing: { id: string; idempotency_key: string; lead_id: string }[] = await m.query(
        `SELECT id, idempotency_key, lead_id FROM events WHERE idempotency_key = ANY($1::text[])`,
        [duplicates],
      );
      const byKey = new Map(existing.map((e) => [e.idempotency_key, e]));
      for (const r of rows) {
        if (items[r.index]) continue;
        const e = byKey.get(r.event.idempotencyKey!);
        items[r.index] = { index: r.index, status: 'duplicate', eventId: e?.id, leadId: e?.lead_id ?? r.leadId };
      }
    }
    // Duplicates found inside this batch point at the event the first occurrence created.
    for (const v of valid) {
      const item = items[v.index];
      if (item?.status === 'duplicate' && !item.eventId && v.event.idempotencyKey) {
        const first = seen.get(v.event.idempotencyKey);
        if (first !== undefined) item.eventId = items[first]?.eventId;
      }
    }
    return [...new Set(rows.filter((r) => items[r.index]?.status === 'accepted').map((r) => r.leadId))];
  }

  /** Maps each valid item to its lead id, creating leads for unknown emails; unknown lead ids are rejected. */
  private async resolveLeads(
    m: EntityManager,
    valid: { index: number; event: EventInput }[],
    items: IngestItemResult[],
    now: Date,
    definition: ScoringModelDefinition,
  ): Promise<Record<number, string>> {
    const out: Record<number, string> = {};
    const byId = valid.filter((v) => v.event.leadId);
    if (byId.length) {
      const found: { id: string }[] = await m.query(`SELECT id FROM leads WHERE id = ANY($1::uuid[])`, [
        [...new Set(byId.map((v) => v.event.leadId!))],
      ]);
      const known = new Set(found.map((r) => r.id));
      for (const v of byId) {
        if (known.has(v.event.leadId!)) out[v.index] = v.event.leadId!;
        else items[v.index] = { index: v.index, status: 'rejected', errors: [{ field: 'leadId', message: 'no lead with this id' }] };
      }
    }
    const byEmail = valid.filter((v) => !v.event.leadId);
    if (byEmail.length) {
      const firstEvent = new Map<string, EventInput>();
      for (const v of byEmail) if (!firstEvent.has(v.event.email!)) firstEvent.set(v.event.email!, v.event);
      const emails = [...firstEvent.keys()];
      const stages = emails.map((e) => (intentTierOf(definition, firstEvent.get(e)!.type) === 'low' ? 'subscriber' : 'lead'));
      const created: { id: string; email_normalized: string; stage: Stage }[] = await m.query(
        `INSERT INTO leads (email, email_normalized, stage, created_at, updated_at, engagement_as_of)
         SELECT e, e, s, $3, $3, $3 FROM unnest($1::text[], $2::text[]) AS x(e, s) ORDER BY e
         ON CONFLICT (email_normalized) DO NOTHING RETURNING id, email_normalized, stage`,
        [emails, stages, now.toISOString()],
      );
      await recordDomainEvents(
        m,
        created.map((c) => ({ type: 'lead.created', leadId: c.id, payload: { leadId: c.id, stage: c.stage, via: 'event' }, occurredAt: now })),
      );
      await this.activity.publish(
        m,
        created.map((c) => ({ leadId: c.id, at: now, created: true, stageBefore: c.stage, stageAfter: c.stage, events: [], engagementScore: 0 })),
      );
      const all: { id: string; email_normalized: string }[] = await m.query(
        `SELECT id, email_normalized FROM leads WHERE email_normalized = ANY($1::text[])`,
        [emails],
      );
      const ids = new Map(all.map((r) => [r.email_normalized, r.id]));
      for (const v of byEmail) out[v.index] = ids.get(v.event.email!)!;
    }
    return out;
  }

  private async requestScoring(leadIds: string[]): Promise<void> {
    try {
      for (let i = 0; i < leadIds.length; i += JOB_CHUNK) {
        await this.scoringQueue.add('score', { leadIds: leadIds.slice(i, i + JOB_CHUNK) });
      }
    } catch (err) {
      // The events are stored and queued in PostgreSQL; the sweep will score them.
      this.logger.warn({ err }, 'could not enqueue scoring job; the sweep will pick the events up');
    }
  }
}
