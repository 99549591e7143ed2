import { Injectable, Logger } from '@nestjs/common';
import { LeadScoringService, ScoringResult } from './lead-scoring.service.js';

/** The most leads one scoring transaction takes. */
export const MAX_BATCH_LEADS = 2000;
/** A batch starts at once with this many leads; with fewer it waits up to LINGER_MS for more. */
export const START_BATCH_LEADS = 500;
/**
 * How long a small batch waits for more jobs (ms). A transaction costs about the same for one lead
 * as for fifty, so a trickle of single events shares transactions instead of paying one each;
 * scores stay current well within the 2 s promise.
 */
export const LINGER_MS = 20;
/** Scoring transactions one process runs at once (one computes while the other waits on PostgreSQL). */
export const PARALLEL_BATCHES = 2;
/** Leads another process held locked are tried again after this pause, this many times (then the sweep has them). */
const RETRY_MS = 100;
const RETRIES = 3;

const NOTHING: ScoringResult = { leads: 0, events: 0, promotions: 0, lockedElsewhere: [] };

interface Batch {
  ids: Set<string>;
  /** May start (full enough, or lingered long enough). */
  due: boolean;
  promise: Promise<ScoringResult>;
  resolve(result: ScoringResult): void;
  reject(err: unknown): void;
}

/**
 * Group commit for scoring jobs. A job's leads join the batch that is still forming; a batch starts
 * when a transaction slot is free and it is big enough or has waited LINGER_MS, so the leads of
 * many jobs are scored in one transaction (a handful of set-based statements) instead of one
 * transaction per job. A job finishes when the batch holding its leads has committed, so a
 * job is only acknowledged after its work is durable (a failed batch fails its jobs, which retry).
 *
 * This is pacing, not truth: which events still need scoring is the scoring_queue table, taken
 * under row locks in the scoring transaction, so several processes can batch side by side.
 */
@Injectable()
export class ScoringBatcher {
  private readonly logger = new Logger(ScoringBatcher.name);
  private forming: Batch | null = null;
  private readonly ready: Batch[] = [];
  private running = 0;

  constructor(private readonly scoring: LeadScoringService) {}

  /** Scores the pending events of these leads; resolves with the totals of the batch that did it. */
  score(leadIds: readonly string[]): Promise<ScoringResult> {
    if (!leadIds.length) return Promise.resolve(NOTHING);
    const batches = new Set<Batch>();
    let batch = this.forming;
    for (const id of leadIds) {
      if (!batch || batch.ids.size >= MAX_BATCH_LEADS) batch = this.open();
      batch.ids.add(id);
      batches.add(batch);
    }
    for (const b of batches) if (b.ids.size >= START_BATCH_LEADS) b.due = true;
    this.pump();
    if (batches.size === 1) return batch!.promise;
    // A job split over several batches is done when all of them are.
    return Promise.all([...batches].map((b) => b.promise)).then((all) => ({
      leads: all.reduce((n, r) => n + r.leads, 0),
      events: all.reduce((n, r) => n + r.events, 0),
      promotions: all.reduce((n, r) => n + r.promotions, 0),
      lockedElsewhere: [],
    }));
  }

  private open(): Batch {
    let resolve!: (r: ScoringResult) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<ScoringResult>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const batch: Batch = { ids: new Set(), due: false, promise, resolve, reject };
    if (this.forming) this.forming.due = true; // full: the next one forms
    this.forming = batch;
    this.ready.push(batch);
    setTimeout(() => {
      batch.due = true;
      this.pump();
    }, LINGER_MS).unref();
    return batch;
  }

  private pump(): void {
    while (this.running < PARALLEL_BATCHES && this.ready.length && this.ready[0].due) {
      const batch = this.ready.shift()!;
      if (this.forming === batch) this.forming = null;
      this.running++;
      void this.run(batch).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async run(batch: Batch, attempt = 0): Promise<void> {
    try {
      const result = await this.scoring.scorePending([...batch.ids]);
      batch.resolve(result);
      if (result.lockedElsewhere.length && attempt < RETRIES) this.retry(result.lockedElsewhere, attempt + 1);
    } catch (err) {
      batch.reject(err);
    }
  }

  /** Leads another transaction held: their events committed after it took its rows still wait, so look again shortly. */
  private retry(leadIds: string[], attempt: number): void {
    setTimeout(() => {
      const failed = (err: unknown) => this.logger.warn({ err }, 'retrying locked leads failed; the sweep will score them');
      const batch: Batch = { ids: new Set(leadIds), due: true, promise: Promise.resolve(NOTHING), resolve: () => undefined, reject: failed };
      void this.run(batch, attempt);
    }, RETRY_MS).unref();
  }
}
