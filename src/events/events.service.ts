import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import { canonicalJson } from '../common/canonical-json.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DomainError, ErrorCode, LEAD_ERASED_MESSAGE, type FieldError } from '../common/domain-error.js';
import { uuidv7 } from '../common/uuid-v7.js';
import { isHistorical, type ScoringModelDefinition } from '../scoring/domain/index.js';
import { LeadScoringService, SCORED_LEAD_COLUMNS } from '../scoring/lead-scoring.service.js';
import type { ScoredLead, StoredEvent } from '../scoring/scoring-plan.js';
import { ScoringModelService } from '../scoring/scoring-model.service.js';
import { EventInput, MAX_BATCH, parseEventInput } from './event-input.js';
import { IngestItemResult, IngestResult } from './events.types.js';
import { EventLeadResolver, LEAD_ERASED, UNKNOWN_LEAD, type ValidEvent } from './event-lead-resolver.js';
import { KnownLeadEventWriter } from './known-lead-event-writer.js';

/** An event to store: its lead, and the id chosen for it (so each returned row maps straight back to its item). */
type Row = { index: number; leadId: string; event: EventInput; id: string };
/** A later event of the request with the idempotency key of an earlier one (`first`: that one's item index). */
type Repeat = { index: number; leadId: string; event: EventInput; first: number };

/** Why an event whose idempotency key is already taken by a different event is refused (the other event, and its lead, are not named). */
const KEY_REUSED: FieldError = { field: 'idempotencyKey', message: 'was already used for a different event (another lead, type, occurredAt or properties); use a new key' };

/**
 * Whether `repeat`, sent with the idempotency key of `first`, is a true repeat of it: the same lead, type and
 * properties, and the same occurredAt when the repeat gives one (else it is the time of receipt, which differs).
 */
function sameEvent(first: { leadId: string; event: EventInput }, repeat: { leadId: string; event: EventInput }): boolean {
  return (
    first.leadId === repeat.leadId &&
    first.event.type === repeat.event.type &&
    (!repeat.event.occurredAtGiven || first.event.occurredAt.getTime() === repeat.event.occurredAt.getTime()) &&
    canonicalJson(first.event.properties) === canonicalJson(repeat.event.properties)
  );
}

/**
 * Accepts behaviour events: validates each, finds or creates the lead, and stores and scores the
 * events in one transaction before answering (so an accepted event is never lost and its points are
 * applied exactly once, with the score current when the answer leaves). Retried events with the same
 * idempotency key are reported as duplicates. Events of known leads share a transaction with
 * concurrent requests (see KnownLeadEventWriter); new leads take a transaction of their own.
 */
@Injectable()
export class EventsService {
  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock,
    private readonly models: ScoringModelService,
    private readonly scoring: LeadScoringService,
    private readonly knownLeads: KnownLeadEventWriter,
    private readonly leads: EventLeadResolver,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async ingest(body: unknown, headerKey?: string): Promise<IngestResult> {
    const now = this.clock.now();
    const { raws, batch } = this.unwrap(body);
    const items: IngestItemResult[] = new Array(raws.length);
    const valid: ValidEvent[] = [];
    raws.forEach((raw, index) => {
      const parsed = parseEventInput(raw, batch ? `events[${index}].` : '', now);
      if (parsed.event) {
        // The Idempotency-Key header keys a single event; in a batch, each event without a key of its own is
        // keyed `<header>/<index>`, so the same batch sent again under the same header changes nothing.
        if (headerKey && !parsed.event.idempotencyKey) parsed.event.idempotencyKey = batch ? `${headerKey}/${index}` : headerKey;
        valid.push({ index, event: parsed.event });
      } else items[index] = { index, status: 'rejected', errors: parsed.errors };
    });
    if (!batch && !valid.length) {
      const errors = items[0].errors ?? [];
      throw DomainError.validation(errors, errors.map((e) => `${e.field}: ${e.message}`).join('; '));
    }

    if (valid.length && !(await this.storeKnown(valid, items, now))) await this.storeCreatingLeads(valid, items, now, !batch);
    // Received now, so scoring took these as historical too (see planScoring).
    for (const v of valid) {
      const item = items[v.index];
      if (item?.status === 'accepted' && isHistorical(v.event.occurredAt, now, this.config.eventLiveWindowMs)) item.historical = true;
    }
    if (!batch) singleEventProblem(items[0]);
    const count = (s: string) => items.filter((i) => i.status === s).length;
    return { accepted: count('accepted'), duplicates: count('duplicate'), rejected: count('rejected'), items };
  }

  /**
   * Steady state (every lead already known): one transaction, shared with concurrent requests (see
   * KnownLeadEventWriter). Returns false, having written nothing, when some lead is unknown: then
   * the lead-creating path takes the request.
   */
  private async storeKnown(valid: ValidEvent[], items: IngestItemResult[], now: Date): Promise<boolean> {
    // The first of several events with one idempotency key in a batch wins; later ones are duplicates.
    const seen = new Map<string, number>();
    const insert = valid.map((v, i) => {
      const key = v.event.idempotencyKey;
      if (key === null) return true;
      if (seen.has(key)) return false;
      seen.set(key, i);
      return true;
    });
    const ids = valid.map(() => uuidv7(now.getTime()));
    const written = await this.knownLeads.write(
      valid.map((v, i) => ({
        id: ids[i],
        leadId: v.event.leadId,
        email: v.event.leadId ? null : v.event.email,
        type: v.event.type,
        occurredAt: v.event.occurredAt,
        properties: v.event.properties,
        idempotencyKey: v.event.idempotencyKey,
        insert: insert[i],
      })),
      now,
    );
    if (!written.allKnown) return false;
    const result = written.rows;
    const rows: Row[] = [];
    const repeats: Repeat[] = [];
    const stored = new Set<string>();
    valid.forEach((v, i) => {
      const leadId = result[i].leadId!;
      if (result[i].erased) {
        items[v.index] = { index: v.index, status: 'rejected', errors: [v.event.leadId ? LEAD_ERASED : { ...LEAD_ERASED, field: 'email' }] };
        return;
      }
      if (!insert[i]) {
        repeats.push({ index: v.index, leadId, event: v.event, first: valid[seen.get(v.event.idempotencyKey!)!].index });
        return;
      }
      rows.push({ index: v.index, leadId, event: v.event, id: ids[i] });
      if (result[i].stored) stored.add(ids[i]);
    });
    await this.settle(this.db.manager, rows, stored, items, repeats, valid);
    return true;
  }

  /** First events of new leads: creates the leads (with their domain events and activity), stores and scores the events, in one transaction. */
  private async storeCreatingLeads(valid: ValidEvent[], items: IngestItemResult[], now: Date, single: boolean): Promise<void> {
    // Read the model before taking a connection for the transaction: asking the pool for a second
    // connection while holding one deadlocks once every connection is held that way.
    const { definition } = await this.models.currentForRead();
    return this.db.transaction(async (m) => {
      await this.store(m, valid, items, now, definition);
      // A single event refused as a problem leaves nothing behind (not even the lead its email would have created).
      if (single) singleEventProblem(items[0]);
    });
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

  /** Stores and scores the valid events; fills in their results. */
  private async store(m: EntityManager, valid: ValidEvent[], items: IngestItemResult[], now: Date, model: ScoringModelDefinition): Promise<void> {
    const leadIds = await this.leads.resolve(m, valid, items, now, model);
    // The first of several events with one idempotency key in a batch wins; later ones are duplicates.
    const seen = new Map<string, number>();
    const rows: Row[] = [];
    const repeats: Repeat[] = [];
    for (const v of valid) {
      const leadId = leadIds[v.index];
      if (!leadId) continue;
      const key = v.event.idempotencyKey;
      if (key !== null && seen.has(key)) {
        repeats.push({ index: v.index, leadId, event: v.event, first: seen.get(key)! });
        continue;
      }
      if (key !== null) seen.set(key, v.index);
      rows.push({ index: v.index, leadId, event: v.event, id: uuidv7(now.getTime()) });
    }
    // Lock the leads (in id order, as the known-lead path does) before storing events, so that two
    // requests for one lead take turns and each scores on the other's result.
    const leads: ScoredLead[] = rows.length
      ? await m.query(`SELECT ${SCORED_LEAD_COLUMNS} FROM leads WHERE id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE`, [
          [...new Set(rows.map((r) => r.leadId))],
        ])
      : [];
    const current = await this.models.current(m);
    const inserted: { id: string }[] = await m.query(
      `INSERT INTO events (id, lead_id, type, occurred_at, properties, idempotency_key, received_at)
       SELECT * , $7::timestamptz FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[], $5::jsonb[], $6::text[])
       ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
       RETURNING id`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.leadId),
        rows.map((r) => r.event.type),
        rows.map((r) => r.event.occurredAt.toISOString()),
        rows.map((r) => JSON.stringify(r.event.properties)),
        rows.map((r) => r.event.idempotencyKey),
        now.toISOString(),
      ],
    );
    const stored = new Set(inserted.map((r) => r.id));
    const events: StoredEvent[] = rows
      .filter((r) => stored.has(r.id))
      .map((r) => ({ id: r.id, lead_id: r.leadId, type: r.event.type, occurred_at: r.event.occurredAt, properties: r.event.properties, machine: false }));
    if (events.length) {
      const scored = new Set(events.map((e) => e.lead_id));
      await this.scoring.scoreLocked(m, current, leads.filter((l) => scored.has(l.id)), events, now);
    }
    await this.settle(m, rows, stored, items, repeats, valid, leadIds);
  }

  /**
   * Fills in the results of the rows offered for insertion: accepted when stored; otherwise the key was
   * taken by a stored event, and the row is a duplicate of it when it is the same event (see sameEvent: same
   * lead, type, occurredAt if given, and properties, compared in the one statement that finds those events),
   * else refused for reusing the key. Repeats of a key within the request get what their first occurrence
   * got when they are the same event, else are refused likewise. Nothing about another lead's event is given away.
   */
  private async settle(
    m: EntityManager,
    rows: Row[],
    stored: Set<string>,
    items: IngestItemResult[],
    repeats: Repeat[],
    valid: ValidEvent[],
    leadIds?: Record<number, string>,
  ): Promise<void> {
    const taken: (Row | Repeat)[] = [];
    for (const r of rows) {
      if (stored.has(r.id)) items[r.index] = { index: r.index, status: 'accepted', eventId: r.id, leadId: r.leadId };
      else if (r.event.idempotencyKey) taken.push(r);
    }
    // Repeats within the request are compared with the event now holding their key too (their first
    // occurrence's, or an earlier one's when the first was refused), in the same statement.
    taken.push(...repeats);
    if (!taken.length) return;
    const existing: { i: number; id: string; same: boolean }[] = await m.query(
      `SELECT x.i, e.id, (e.lead_id = x.lead_id AND e.type = x.type AND (x.at IS NULL OR e.occurred_at = x.at) AND e.properties = x.props) AS same
         FROM unnest($1::text[], $2::uuid[], $3::text[], $4::timestamptz[], $5::jsonb[]) WITH ORDINALITY AS x(key, lead_id, type, at, props, i)
         JOIN events e ON e.idempotency_key = x.key`,
      [
        taken.map((r) => r.event.idempotencyKey),
        taken.map((r) => r.leadId),
        taken.map((r) => r.event.type),
        taken.map((r) => (r.event.occurredAtGiven ? r.event.occurredAt.toISOString() : null)),
        taken.map((r) => JSON.stringify(r.event.properties)),
      ],
    );
    const found = new Map(existing.map((e) => [Number(e.i) - 1, e]));
    const eventAt = new Map(valid.map((v) => [v.index, v.event]));
    taken.forEach((r, n) => {
      const e = found.get(n);
      if (e) {
        items[r.index] = e.same
          ? { index: r.index, status: 'duplicate', eventId: e.id, leadId: r.leadId }
          : { index: r.index, status: 'rejected', errors: [KEY_REUSED] };
      } else if (!('first' in r)) {
        // The event holding the key is gone (its lead was erased meanwhile): nothing to compare with.
        items[r.index] = { index: r.index, status: 'duplicate', leadId: r.leadId };
      } else {
        // Nothing stored under the key: the first occurrence was refused (e.g. its lead was erased).
        const first = items[r.first];
        const firstLead = leadIds?.[r.first] ?? r.leadId;
        const same = sameEvent({ leadId: firstLead, event: eventAt.get(r.first)! }, r);
        items[r.index] = same && first?.status === 'rejected' ? { index: r.index, status: 'rejected', errors: first.errors } : { index: r.index, status: 'rejected', errors: [KEY_REUSED] };
      }
    });
  }

}

/**
 * A single event (not a batch) that is refused is answered as a problem naming the field, never as a 202 with a
 * rejected item: invalid (422, thrown earlier), its idempotency key belongs to a different event (422), its lead
 * id names no lead (404, as an unknown lead id in any other request body) or an erased one (410). So a single
 * event's 202 always means accepted or duplicate; a batch reports each refusal per item with the same errors.
 */
function singleEventProblem(item: IngestItemResult | undefined): void {
  if (item?.status !== 'rejected' || !item.errors?.length) return;
  const error = item.errors[0];
  if (error.message === LEAD_ERASED_MESSAGE) throw new DomainError(ErrorCode.Gone, 'The lead was erased (GDPR) and takes no new data.', item.errors);
  if (error === KEY_REUSED) throw new DomainError(ErrorCode.Unprocessable, 'This idempotencyKey was already used for a different event.', item.errors);
  if (error === UNKNOWN_LEAD) throw new DomainError(ErrorCode.NotFound, 'No lead has this leadId.', item.errors);
  throw new DomainError(ErrorCode.Unprocessable, item.errors.map((e) => `${e.field}: ${e.message}`).join('; '), item.errors);
}
