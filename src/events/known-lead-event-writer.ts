import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { FORCE_GENERIC_PLANS } from '../infra/database/plan-mode.js';
import type { LedgerFact } from '../scoring/domain/index.js';
import { isConcurrentKeyError, LeadScoringService, persistStatement, type EventRecord } from '../scoring/lead-scoring.service.js';
import { planScoring, type StoredEvent } from '../scoring/scoring-plan.js';
import { ScoringModelService, type ScoringModelVersion } from '../scoring/scoring-model.service.js';
import { preparedQuery } from '../infra/database/prepared-query.js';
import { ensurePrepared, sendTogether, ServerStatement, simpleClientOf, type SimpleClient } from '../infra/database/simple-protocol.js';
import { putReadAhead } from '../infra/database/transaction-read-ahead.js';
import { LIVE_PROGRAMS_READ_AHEAD } from '../programs/program-catalog.service.js';
import { GroupCommit } from './group-commit.js';
import { LOCK_AND_READ, LOCK_AND_READ_SQL, readParams, recentFacts, REREAD_SQL, type LockAndReadRow, type LockedLead, type ReadRow } from './known-lead-reads.js';

/** One event offered for the known-lead path; `insert` false marks an in-request repeat of an idempotency key (resolved, never stored). */
export interface KnownLeadEventRow {
  id: string;
  leadId: string | null;
  email: string | null;
  type: string;
  occurredAt: Date;
  properties: Record<string, unknown>;
  idempotencyKey: string | null;
  insert: boolean;
}

export interface KnownLeadWrite {
  /** False when some lead of the request is unknown: then nothing of the request was written. */
  allKnown: boolean;
  /** Per row: its lead, whether it was stored, and whether its lead was erased (GDPR: such a row is never stored). */
  rows: { leadId: string | null; stored: boolean; erased: boolean }[];
}

/** Most events in a group sent through the simple protocol: its literals cost PostgreSQL more to read than
 * parameters (≈ 15 µs more per event in a 1,000-event write, the same at 1 to 50), and only small groups gain. */
export const SIMPLE_PROTOCOL_MAX_ROWS = 64;

/** Most events written by one transaction (requests are never split). */
export const MAX_ROWS_PER_STATEMENT = 4000;
/** Transactions in flight at once; requests arriving meanwhile share the next one. */
export const STATEMENTS_IN_FLIGHT = 2;

interface Request {
  rows: KnownLeadEventRow[];
  receivedAt: string;
}


/**
 * Stores and scores the events of requests whose leads are all known, in one transaction per group
 * of requests (group commit: each commit waits for a WAL flush, so one per single-event request
 * capped ingestion at the disk's flush rate; requests arriving while transactions are in flight
 * share the next one). The transaction locks the leads (in id order, so concurrent writers queue
 * rather than deadlock), stores the events (keyed rows in key order), and writes their ledger rows,
 * the new scores and any promotion: an event is scored exactly once, together with being stored,
 * so a process dying right after answering loses nothing and leaves nothing half done, and two
 * requests for one lead take turns on the lead's row. A request is answered only after its
 * transaction committed. Requests with an unknown lead write nothing here (the caller creates leads).
 */
@Injectable()
export class KnownLeadEventWriter {
  private readonly commits = new GroupCommit<Request, KnownLeadWrite>(
    (group) => this.transactionWithRetry(group),
    (r) => r.rows.length,
    MAX_ROWS_PER_STATEMENT,
    STATEMENTS_IN_FLIGHT,
  );

  constructor(
    private readonly db: DataSource,
    private readonly models: ScoringModelService,
    private readonly scoring: LeadScoringService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Writes and scores one request's events if all their leads are known (see KnownLeadWrite). */
  write(rows: KnownLeadEventRow[], receivedAt: Date): Promise<KnownLeadWrite> {
    return this.commits.submit({ rows, receivedAt: receivedAt.toISOString() });
  }

  /**
   * A transaction that lost a race it can win on a second try (a key stored concurrently, a
   * deadlock) is run again, so the client sees a duplicate or an accepted event, never an error.
   */
  private async transactionWithRetry(group: Request[]): Promise<KnownLeadWrite[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.transaction(group);
      } catch (err) {
        const retryable = err instanceof ConcurrentKeyError || isConcurrentKeyError(err) || (err as { code?: string })?.code === '40P01';
        if (!retryable || attempt >= RETRIES) throw err;
      }
    }
  }

  /**
   * One transaction in as few round trips as it can (see simple-protocol): BEGIN, the plan mode and the
   * lock-and-read go together, and so do the write and COMMIT when nothing is left to do after the write
   * (no promotion, no activity listener with work). Groups of more than SIMPLE_PROTOCOL_MAX_ROWS events
   * (or without node-pg's client at hand) take TypeORM's transaction and node-pg's prepared statements.
   */
  private async transaction(group: Request[]): Promise<KnownLeadWrite[]> {
    if (group.reduce((n, r) => n + r.rows.length, 0) <= SIMPLE_PROTOCOL_MAX_ROWS) {
      const qr = this.db.createQueryRunner();
      try {
        await qr.connect();
        const client = simpleClientOf(qr);
        if (client) return await this.simpleTransaction({ m: qr.manager, client, committed: false }, group);
      } finally {
        await qr.release();
      }
    }
    return this.db.transaction(async (m) => {
      // The lock-and-read and the write run with cached generic plans (see plan-mode); the write puts the default back.
      await m.query(FORCE_GENERIC_PLANS);
      return this.execute({ m, client: null, committed: false }, group);
    });
  }

  /** The transaction on node-pg's client: BEGIN goes with the first statement, COMMIT with the write or after. */
  private async simpleTransaction(tx: Tx & { client: SimpleClient }, group: Request[]): Promise<KnownLeadWrite[]> {
    try {
      const out = await this.execute(tx, group);
      if (!tx.committed) await tx.client.query('COMMIT');
      return out;
    } catch (err) {
      // Whatever failed (a statement, or the COMMIT sent with the write), nothing of it was committed.
      await tx.client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  private async execute(tx: Tx, group: Request[]): Promise<KnownLeadWrite[]> {
    const m = tx.m;
    const now = this.clock.now();
    const all = group.flatMap((r) => r.rows);
    const ids = new Set<string>();
    const emails = new Set<string>();
    const keys = new Set<string>();
    for (const r of all) {
      if (r.leadId) ids.add(r.leadId);
      else if (r.email) emails.add(r.email);
      if (r.insert && r.idempotencyKey !== null) keys.add(r.idempotencyKey);
    }
    const read = await this.lockAndRead(tx, [...ids], [...emails], [...keys], all, now);
    const byId = new Map(read.leads.map((l) => [l.id, l]));
    const erased = new Set(read.leads.filter((l) => l.erased).map((l) => l.id));
    const byEmail = new Map(read.leads.map((l) => [l.email_normalized, l.id]));
    const leadOf = (r: KnownLeadEventRow) => (r.leadId ? (byId.has(r.leadId) ? r.leadId : null) : (byEmail.get(r.email!) ?? null));

    const resolved = group.map((req) => req.rows.map(leadOf));
    const known = resolved.map((leadIds) => leadIds.every((id) => id !== null));
    // What will be stored: rows of requests whose leads are all known, less keys already stored and
    // keys repeated across the group's requests (the first wins; the others resolve as duplicates).
    const taken = new Set(read.storedKeys);
    const records: EventRecord[] = [];
    group.forEach((req, i) => {
      if (!known[i]) return;
      req.rows.forEach((row, j) => {
        if (!row.insert || erased.has(resolved[i][j]!)) return;
        if (row.idempotencyKey !== null) {
          if (taken.has(row.idempotencyKey)) return;
          taken.add(row.idempotencyKey);
        }
        records.push({
          id: row.id,
          lead_id: resolved[i][j]!,
          type: row.type,
          occurred_at: row.occurredAt,
          properties: row.properties,
          key: row.idempotencyKey,
          received_at: req.receivedAt,
        });
      });
    });
    const stored = new Set<string>();
    if (records.length) {
      const events: StoredEvent[] = records.map((r) => ({ ...r, machine: false, received_at: new Date(r.received_at) }));
      const scoredLeads = new Set(records.map((r) => r.lead_id));
      const scored = read.leads.filter((l) => scoredLeads.has(l.id));
      const plan = planScoring(read.model.definition, scored, events, read.recent, now, read.model.version, this.config.eventLiveWindowMs);
      const keyed = records.some((r) => r.key !== null);
      const statement = persistStatement(plan, read.model.version, now, { json: JSON.stringify(records), keyed }, { restorePlanMode: true });
      // With nothing to do after the write, COMMIT goes with it (a failed write skips the COMMIT).
      const last = tx.client !== null && this.scoring.quietFinish(m, plan);
      const result = await this.runWrite(tx, statement, last);
      // A key stored by a concurrent transaction after it was looked up fails the write (see
      // persistStatement); a short count would mean an event not stored: roll back and try again.
      if (result.count !== records.length) throw new ConcurrentKeyError();
      for (const id of result.ids ?? records.map((r) => r.id)) stored.add(id);
      if (!last) await this.scoring.finish(m, plan);
    }
    return group.map((req, i) => ({
      allKnown: known[i],
      rows: req.rows.map((row, j) => ({
        leadId: resolved[i][j],
        stored: known[i] && stored.has(row.id),
        erased: resolved[i][j] !== null && erased.has(resolved[i][j]!),
      })),
    }));
  }

  /** Runs the write: on the transaction's connection as a server-prepared statement (with COMMIT when `last`), else prepared through node-pg. */
  private async runWrite(tx: Tx, statement: { text: string; values: unknown[] }, last: boolean): Promise<{ count: number; ids: string[] | null }> {
    if (!tx.client) return (await preparedQuery<{ count: number; ids: string[] | null }>(tx.m, statement.text, statement.values))[0];
    const prepared = serverStatement(statement.text);
    await ensurePrepared(tx.client, [prepared]);
    const [rows] = await sendTogether(tx.client, last ? [prepared.execute(statement.values), 'COMMIT'] : [prepared.execute(statement.values)]);
    tx.committed = last;
    return rows[0] as { count: number; ids: string[] | null };
  }

  /** BEGIN, generic plans and the lock-and-read in one round trip (see simple-protocol), or the lock-and-read alone inside TypeORM's transaction. */
  private async firstStatement(tx: Tx, values: unknown[]): Promise<LockAndReadRow[]> {
    if (!tx.client) return preparedQuery<LockAndReadRow>(tx.m, LOCK_AND_READ_SQL, values);
    await ensurePrepared(tx.client, [LOCK_AND_READ]);
    const results = await sendTogether(tx.client, ['BEGIN', FORCE_GENERIC_PLANS, LOCK_AND_READ.execute(values)]);
    return results[2] as LockAndReadRow[];
  }

  /**
   * Locks the leads (in id order) and reads their score state, the current model version, which of
   * the keys are already stored, the ledger rows inside the cap windows for leads with events a
   * capped rule may score, and which programs are live (left for the activity listener, see
   * transaction-read-ahead): one statement. Its snapshot predates any wait for a lock, so when a lead
   * was changed by a transaction that committed meanwhile (`fresh` false: that transaction may have
   * written ledger rows or keys this snapshot cannot see) the keys and ledger rows are read again.
   */
  private async lockAndRead(
    tx: Tx,
    ids: string[],
    emails: string[],
    keys: string[],
    rows: KnownLeadEventRow[],
    now: Date,
  ): Promise<{ model: ScoringModelVersion; leads: LockedLead[]; storedKeys: string[]; recent: Map<string, LedgerFact[]> }> {
    const cached = this.models.cachedLatest();
    const first = readParams(cached, keys, rows, now);
    const m = tx.m;
    const [row] = await this.firstStatement(tx, [ids, emails, ...first.params]);
    // The live programs, for the activity listener later in this transaction (saves it a round trip).
    putReadAhead(m, LIVE_PROGRAMS_READ_AHEAD, row.live);
    const leads: LockedLead[] = (row.leads ?? []).map(({ x: _x, ...l }) => ({
      ...l,
      engagement_as_of: new Date(l.engagement_as_of),
      recycled_at: l.recycled_at === null ? null : new Date(l.recycled_at),
    }));
    // The version read in the transaction is the one that scores.
    const model = cached?.version === row.version ? cached : await this.models.version(row.version, m);
    this.models.remember(model);
    let read: ReadRow = row;
    if (!row.fresh || model !== cached) {
      const again = readParams(model, keys, rows, now);
      if (keys.length || again.needed) {
        [read] = await m.query(REREAD_SQL, [leads.map((l) => l.id), ...again.params]);
      }
    }
    return { model, leads, storedKeys: read.keys ?? [], recent: recentFacts(read) };
  }
}


/** The write statements prepared on the server, by text (a handful of variants: keyed or not). */
const writes = new Map<string, ServerStatement>();
function serverStatement(text: string): ServerStatement {
  let s = writes.get(text);
  if (!s) writes.set(text, (s = new ServerStatement(text)));
  return s;
}

/** A transaction of the writer: its manager, and node-pg's client when statements may share round trips. */
interface Tx {
  m: EntityManager;
  client: SimpleClient | null;
  /** Set once COMMIT went out with the write. */
  committed: boolean;
}

/** Attempts of a transaction that lost a race (see transactionWithRetry). */
const RETRIES = 3;

class ConcurrentKeyError extends Error {
  constructor() {
    super('an idempotency key was stored by a concurrent transaction');
  }
}
