import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** One event offered for the one-statement path; `insert` false marks an in-request repeat of an idempotency key (resolved, never stored). */
export interface KnownLeadEventRow {
  id: string;
  leadId: string | null;
  email: string | null;
  type: string;
  occurredAt: string;
  properties: string;
  idempotencyKey: string | null;
  insert: boolean;
}

export interface KnownLeadWrite {
  /** False when some lead of the request is unknown: then nothing of the request was written. */
  allKnown: boolean;
  rows: { leadId: string | null; stored: boolean }[];
}

/** Most events written by one statement (requests are never split). */
export const MAX_ROWS_PER_STATEMENT = 4000;
/** Statements in flight at once; requests arriving meanwhile share the next one. */
export const STATEMENTS_IN_FLIGHT = 2;

/**
 * Resolves every event's lead (by id or email) and, for each request whose leads are all known,
 * stores its events and their scoring_queue rows. Requests (`req`) succeed or write nothing on
 * their own; keyed rows are inserted in key order so concurrent statements lock keys in one order.
 */
const WRITE_SQL = `
  WITH x AS (
    SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::timestamptz[], $6::jsonb[], $7::text[], $8::bool[], $9::int[], $10::timestamptz[])
      WITH ORDINALITY AS x(id, given, email, type, occurred_at, properties, key, ins, req, received_at, ord)
  ), r AS (
    SELECT x.*, CASE WHEN x.given IS NOT NULL THEN (SELECT l.id FROM leads l WHERE l.id = x.given)
                     ELSE (SELECT l.id FROM leads l WHERE l.email_normalized = x.email) END AS lead_id
      FROM x
  ), k AS (
    SELECT r.*, bool_and(r.lead_id IS NOT NULL) OVER (PARTITION BY r.req) AS all_known FROM r
  ), stored AS (
    INSERT INTO events (id, lead_id, type, occurred_at, properties, idempotency_key, received_at)
    SELECT id, lead_id, type, occurred_at, properties, key, received_at FROM k WHERE ins AND all_known ORDER BY key NULLS LAST, ord
    ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
    RETURNING id, lead_id
  ), queued AS (
    INSERT INTO scoring_queue (event_id, lead_id) SELECT id, lead_id FROM stored
  )
  SELECT k.lead_id, k.all_known, s.id IS NOT NULL AS stored FROM k LEFT JOIN stored s ON s.id = k.id ORDER BY k.ord`;

interface Pending {
  rows: KnownLeadEventRow[];
  receivedAt: string;
  resolve(w: KnownLeadWrite): void;
  reject(err: unknown): void;
}

/**
 * Group commit for events of known leads. Each statement is its own transaction, and a commit
 * waits for a WAL flush: one per single-event request capped ingestion at the disk's flush rate.
 * Requests that arrive while statements are in flight are written together by the next one, so
 * under load one flush serves many requests, and an idle system still writes a request at once.
 * A request is answered only after the statement holding its events has committed, so an accepted
 * event survives the process dying right after the answer.
 */
@Injectable()
export class KnownLeadEventWriter {
  private queue: Pending[] = [];
  private inFlight = 0;

  constructor(private readonly db: DataSource) {}

  /** Writes one request's events if all their leads are known (see KnownLeadWrite). */
  write(rows: KnownLeadEventRow[], receivedAt: Date): Promise<KnownLeadWrite> {
    return new Promise((resolve, reject) => {
      this.queue.push({ rows, receivedAt: receivedAt.toISOString(), resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < STATEMENTS_IN_FLIGHT && this.queue.length) {
      const group: Pending[] = [this.queue.shift()!];
      let size = group[0].rows.length;
      while (this.queue.length && size + this.queue[0].rows.length <= MAX_ROWS_PER_STATEMENT) {
        const next = this.queue.shift()!;
        size += next.rows.length;
        group.push(next);
      }
      this.inFlight++;
      void this.run(group).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async run(group: Pending[]): Promise<void> {
    try {
      const results = await this.execute(group);
      group.forEach((p, i) => p.resolve(results[i]));
    } catch (err) {
      if (group.length === 1) return group[0].reject(err);
      // One request's problem (say, its lead deleted meanwhile) must not fail the others: retry each on its own.
      for (const p of group) await this.execute([p]).then((r) => p.resolve(r[0]), p.reject);
    }
  }

  private async execute(group: Pending[]): Promise<KnownLeadWrite[]> {
    const rows = group.flatMap((p) => p.rows);
    const req = group.flatMap((p, i) => p.rows.map(() => i));
    const receivedAt = group.flatMap((p) => p.rows.map(() => p.receivedAt));
    const out: { lead_id: string | null; all_known: boolean; stored: boolean }[] = await this.db.query(WRITE_SQL, [
      rows.map((r) => r.id),
      rows.map((r) => r.leadId),
      rows.map((r) => r.email),
      rows.map((r) => r.type),
      rows.map((r) => r.occurredAt),
      rows.map((r) => r.properties),
      rows.map((r) => r.idempotencyKey),
      rows.map((r) => r.insert),
      req,
      receivedAt,
    ]);
    let at = 0;
    return group.map((p) => {
      const mine = out.slice(at, at + p.rows.length);
      at += p.rows.length;
      return { allKnown: mine.every((r) => r.all_known), rows: mine.map((r) => ({ leadId: r.lead_id, stored: r.stored })) };
    });
  }
}
